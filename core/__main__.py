"""`python -m core`: the developers' command line."""

import os
import sys

from core.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader left early (`python -m core batch list | head`): not an error of ours. Point
    # stdout at /dev/null so the interpreter's last flush does not print a traceback either.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1  # what Python's documentation suggests for an EPIPE exit
sys.exit(code)
