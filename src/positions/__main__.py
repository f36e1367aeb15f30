"""Run the command line tool as ``python -m positions``."""

from positions.startup import main

main()
