"""``python -m rfsim`` runs the command line."""

from rfsim.cli import main

raise SystemExit(main())
