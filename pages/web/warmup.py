"""Warm the process up at start, so the first person to log in does not pay for its cold start.

Measured with bench/bench_pages_browser.py: on a fresh server the first page after login took
about 2.2 s against 0.7 s for the next ones. Most of the difference was imports that the first
page run makes on demand (pandas and pyarrow behind `st.dataframe` and the charts, about
0.3-0.5 s on this 2-core machine), then the first statements on the data file. This runs
them once on a background thread right after start-up, while nobody waits.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("batch_unlock")
JOIN_TIMEOUT_S = 30.0  # at shutdown: imports and two reads take about a second

# What the first run of a page imports lazily, most expensive first (python -X importtime).
LIBRARIES = (
    "pandas",
    "pyarrow",
    "numpy.ma",
    "streamlit.elements.arrow",
    "streamlit.elements.vega_charts",
    "streamlit.dataframe_util",
)


def import_libraries() -> list[str]:
    """Import what a page's first run would import on demand; return the modules imported."""
    done = []
    for name in LIBRARIES:
        try:
            importlib.import_module(name)
            done.append(name)
        except ImportError:  # a library a newer Streamlit moved: the page imports what it needs
            log.debug("Warm-up: %s is not importable", name)
    # Streamlit's first element of the process checks whether it runs in a REPL by walking the
    # stack with `inspect` (0.1-0.2 s measured with py-spy); checked here, it is done at start.
    check = getattr(
        importlib.import_module("streamlit.delta_generator"), "_maybe_print_use_warning", None
    )
    if callable(check):
        check()
    return done


def warm_up(read_store: Callable[[], object]) -> float:
    """Import the page libraries, then run the store reads a first page makes; return seconds."""
    start = time.perf_counter()
    import_libraries()
    try:
        read_store()
    except Exception:  # not fatal: the first page reads the store itself and says what is wrong
        log.exception("Warm-up: reading the store failed")
    return time.perf_counter() - start


def start(read_store: Callable[[], object]) -> threading.Thread:
    """Warm up on a daemon thread (the server answers meanwhile); return the thread."""
    thread = threading.Thread(
        target=lambda: log.info("Warmed up in %.2f s", warm_up(read_store)),
        name="batch-unlock-warm-up",
        daemon=True,
    )
    thread.start()
    return thread
