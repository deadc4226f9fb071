"""The `okno` command: one entry point dispatching to each part's sub-commands."""
