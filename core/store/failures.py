"""Why a store cannot be used, in the user's words, whatever the store (the adapters map to these)."""

from __future__ import annotations

from core.errors import StoreUnavailable

# What the user reads when the file itself fails; DuckDB's own words (with paths) go to the log.
CANNOT_WRITE = "the data file cannot be written (disk full or file permissions?)"
CANNOT_READ = "the data file cannot be read (it may be damaged or incomplete)"
OUT_OF_MEMORY = "the data store ran out of memory"
STOPPED = "the data store stopped after a serious error and needs a restart"
ADVICE = {
    CANNOT_WRITE: "Nothing was saved. Free disk space or check the data file's permissions (or "
    "ask the operator to), then try again.",
    CANNOT_READ: "Ask the operator to check the disk and restore the data file from a backup, "
    "then restart Batch Unlock.",
    OUT_OF_MEMORY: "Nothing was saved. Try again in a moment; if it keeps happening, ask the "
    "operator to give Batch Unlock more memory.",
    STOPPED: "Nothing more can be saved until Batch Unlock is restarted. Ask the operator to "
    "free disk space if it is full and restart the app.",
}


def failure(reason: str) -> StoreUnavailable:
    """The plain error for one of the reasons above: what happened and what to do."""
    return StoreUnavailable(
        f"Batch Unlock cannot use its data store: {reason}. {ADVICE[reason]}", reason
    )
