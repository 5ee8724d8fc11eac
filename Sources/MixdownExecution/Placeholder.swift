enum _PlaceholderMixdownExecution {}
