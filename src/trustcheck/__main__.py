"""``python -m trustcheck`` runs the command-line interface."""

import sys

from trustcheck.cli import main

sys.exit(main())
