"""`python -m core`: the developers' command line."""

import sys

from core.cli import main

sys.exit(main())
