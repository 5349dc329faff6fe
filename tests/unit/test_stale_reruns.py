"""The rule that keeps a polling fragment's late timer from blanking the page a tab went to."""

from __future__ import annotations

from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

from pages.web import stale_reruns
from pages.web.stale_reruns import for_current_page

DETAIL, NEW_BATCH = "hash-of-batch-page", "hash-of-new-batch-page"


def known(*ids: str):
    return set(ids).__contains__


def test_a_late_timer_of_the_page_left_runs_nothing_when_the_new_page_lacks_its_fragment() -> None:
    late = RerunData(page_script_hash=DETAIL, fragment_id_queue=["poll"], is_auto_rerun=True)
    assert for_current_page(late, NEW_BATCH, known("table")) is None


def test_fragments_the_new_page_has_run_there_and_those_it_lacks_are_left_out() -> None:
    merged = RerunData(page_script_hash=DETAIL, fragment_id_queue=["table", "poll"])
    rerun = for_current_page(merged, NEW_BATCH, known("table"))
    assert rerun is not None
    assert rerun.page_script_hash == NEW_BATCH
    assert rerun.fragment_id_queue == ["table"]


def test_a_fragment_rerun_of_the_current_page_is_left_as_it_is() -> None:
    poll = RerunData(page_script_hash=DETAIL, fragment_id_queue=["poll"], is_auto_rerun=True)
    assert for_current_page(poll, DETAIL, known()) is poll


def test_a_full_run_to_another_page_is_left_as_it_is() -> None:
    going = RerunData(page_script_hash=NEW_BATCH, query_string="draft=5")
    assert for_current_page(going, DETAIL, known()) is going


def test_before_any_run_and_without_a_page_hash_nothing_is_changed() -> None:
    first = RerunData(page_script_hash=DETAIL, fragment_id_queue=["poll"])
    assert for_current_page(first, "", known()) is first
    unnamed = RerunData(page_script_hash="", fragment_id_queue=["poll"])
    assert for_current_page(unnamed, DETAIL, known()) is unnamed


def test_installing_twice_wraps_the_script_runner_once() -> None:
    stale_reruns.install()
    wrapped = ScriptRunner._run_script
    stale_reruns.install()
    assert ScriptRunner._run_script is wrapped
