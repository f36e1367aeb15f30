"""Run the command line tool as ``python -m positions``."""

from positions.cli.startup import main

main()
