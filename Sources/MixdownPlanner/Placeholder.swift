enum _PlaceholderMixdownPlanner {}
