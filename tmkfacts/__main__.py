"""Run the command line as `python -m tmkfacts`."""

from tmkfacts.cli import main

main()
