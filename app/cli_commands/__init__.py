"""Handlers of the ``ipr-workbench`` subcommands (declared in ``app/cli.py``)."""
