"""The `positions` command line: start-up, the app, shared options, one module per command."""
