"""``python -m analysis``: the same command line as the ``analysis`` script."""

from analysis.cli import main

raise SystemExit(main())
