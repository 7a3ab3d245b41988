"""Allow ``python -m app`` as an alias of the ``ipr-workbench`` console script."""

from app.cli import main

raise SystemExit(main())
