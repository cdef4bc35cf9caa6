"""Run the hub command line as `python -m hub`."""

from hub.cli.main import main

main()
