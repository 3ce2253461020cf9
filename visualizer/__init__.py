"""The real-time phase: features to pictures, and the `davis` command line."""
