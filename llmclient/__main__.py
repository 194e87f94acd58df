"""``python -m llmclient``: the same command line as the ``llmclient`` script."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
