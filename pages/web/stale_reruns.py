"""Drop a polling fragment's timed rerun that reaches the server after its tab left the page.

A `run_every` fragment's timer fires in the browser; its request names the page it was set on.
When the tab moves on meanwhile (st.switch_page after "Cancel publishing", a click in the top
bar), Streamlit queues that request behind the new page's run and then runs it as a run of the
page it came from: its fragments are gone, nothing is drawn, but the browser is told a run of
the old page began and clears the new page, leaving it empty under its own URL. Here such a
request runs on the page the tab is on now, with only the fragments that page still has, and
not at all when it has none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

# Streamlit's script runner and its run request (private: if they move, the import fails at
# start, loudly, rather than pages going blank again).
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

_INSTALLED = "_batch_unlock_drops_stale_reruns"


def for_current_page(rerun: RerunData, page: str, known: Callable[[str], bool]) -> RerunData | None:
    """The rerun as the page the tab is on (`page`) runs it; None when it has nothing to run.

    A full run, or a fragment rerun of the current page, is left as it is.
    """
    if not rerun.fragment_id_queue or not page or rerun.page_script_hash in ("", page):
        return rerun
    still = [fragment for fragment in rerun.fragment_id_queue if known(fragment)]
    if not still:
        return None
    return replace(rerun, page_script_hash=page, fragment_id_queue=still)


def install() -> None:
    """Make every session's script runner apply `for_current_page` first (once per process)."""
    if getattr(ScriptRunner, _INSTALLED, False):
        return
    run_script = ScriptRunner._run_script

    def _run_script(self: ScriptRunner, rerun_data: RerunData) -> None:
        page = self._get_script_run_ctx().page_script_hash
        rerun = for_current_page(rerun_data, page, self._fragment_storage.contains)
        if rerun is not None:
            run_script(self, rerun)

    ScriptRunner._run_script = _run_script  # type: ignore[method-assign]
    setattr(ScriptRunner, _INSTALLED, True)
