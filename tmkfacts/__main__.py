"""The `tmkfacts` script and `python -m tmkfacts`: the command line, in a process of its own.

`run` turns the cyclic garbage collector off before anything is imported. A command is a
short process whose objects form almost no reference cycles, and reference counting frees
the rest as always; the collector's passes over the objects that importing Typer, Rich and
tmkfacts makes cost 5 ms of a search and 9 ms of a table (bench/startup.py). Reading a base
already runs without them (tmkfacts.bulk). Imported as a library, tmkfacts leaves the
collector alone.
"""

import gc


def run() -> None:
    """Run the command line, without the cyclic garbage collector, and exit with its code."""
    gc.disable()
    from tmkfacts.cli import main

    main()


if __name__ == "__main__":
    run()
