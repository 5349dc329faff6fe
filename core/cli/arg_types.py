"""Argument types the commands share, so a mistake is refused before any work, in both modes
(locally and through `--url`, which parse with the same parsers) and in the same words."""

from __future__ import annotations

import argparse

from core.platform_users import ids


def batch_id(text: str) -> int:
    """A batch id as typed: a whole number from 1 to ids.MAX_ID, else argparse's refusal."""
    if ids.is_digits(text) and 1 <= int(text) <= ids.MAX_ID:
        return int(text)
    raise argparse.ArgumentTypeError(
        f"“{text}” is not a batch id: give a whole number from 1 to {ids.MAX_ID:,}, as the batch "
        "list shows it (`batch list`)."
    )
