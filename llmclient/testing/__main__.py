"""``python -m llmclient.testing``: serve a :class:`~llmclient.testing.LocalServer` until Ctrl-C."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
