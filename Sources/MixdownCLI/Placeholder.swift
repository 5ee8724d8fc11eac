enum _PlaceholderMixdownCLI {}
