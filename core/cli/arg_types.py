"""Argument types the commands share, so a mistake is refused before any work, in both modes
(locally and through `--url`, which parse with the same parsers) and in the same words."""

from __future__ import annotations

import argparse

from core.platform_users import ids


def batch_id(text: str) -> int:
    """A batch id as typed: a whole number from 1 to ids.MAX_ID, else argparse's refusal."""
    # The length first: Python refuses to read a number of over 4,300 digits at all.
    if ids.is_digits(text) and len(text) <= 19 and 1 <= int(text) <= ids.MAX_ID:
        return int(text)
    raise argparse.ArgumentTypeError(
        f"“{text if len(text) <= 40 else text[:40] + '…'}” is not a batch id: give a whole number from 1 to {ids.MAX_ID:,}, as the batch "
        "list shows it (`batch list`)."
    )
