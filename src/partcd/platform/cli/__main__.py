"""``python -m partcd.platform.cli`` = the ``partcd`` console script."""

from partcd.platform.cli import main

main()
