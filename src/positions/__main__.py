"""Run the command line tool as ``python -m positions``."""

from positions.cli import main

main()
