"""Over Streamlit's websocket protocol: a polling fragment's timed rerun that was on its way when
the tab went to another page draws nothing and does not take the tab back to the page it left.

Streamlit runs such a request after the new page's run, in the page it came from: the browser
then cleared the new page and showed an empty one (CI saw it after "Cancel publishing", which
opens the draft on "New Batch" while the batch page's poll fires). pages/web/stale_reruns.py
drops it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.browser import PASSWORDS, Server, _prepare, _start, _stop, cli
from tests.support.streamlit_client import StreamlitClient, log_in

QUIET_S = 3.0  # how long to listen after the new page's run for a run that should not come


@dataclass
class App:
    """The running app and a batch waiting in the queue (the publisher is paused)."""

    server: Server
    queued_id: int


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app on demo data with a queued batch whose page polls every second."""
    tmp = tmp_path_factory.mktemp("page_switch")
    db, quests = _prepare(tmp)
    cli(db, "worker", "pause")  # the batch stays "Unpublished": its page keeps polling
    made = cli(
        db, "batch", "create", "--name", "Waits", "--quest", str(quests["First quest"]),
        "--user", "900001", "--json",
    )  # fmt: skip
    queued_id = json.loads(made)["id"]
    cli(db, "batch", "publish", str(queued_id))
    proc, server = _start(tmp, db, quests)
    yield App(server, queued_id)
    _stop(proc)


def test_a_timed_rerun_from_the_page_a_tab_left_does_not_blank_the_page_it_went_to(
    app: App,
) -> None:
    http = log_in(app.server.url, "admin", PASSWORDS["admin"])
    client = StreamlitClient(app.server.url, http.cookies.get_dict())
    detail = client.run(page="batch", query={"id": str(app.queued_id)})
    timers, _ = detail.auto_reruns()
    assert timers, "the page of a queued batch polls"
    left = client.page_script_hash

    # The tab goes to the list; while that run is under way, a timer of the page it left fires.
    client.ask(page="batch-unlock", query={})
    client.receive_until("new_session")
    for fragment in timers:
        client.ask(fragment_id=fragment, auto=True, page_script_hash=left)
    shown = client.receive_run()
    assert shown.shows("matching batches"), shown.texts()
    went_to = client.page_script_hash
    assert went_to != left

    after = client.receive_for(QUIET_S)
    assert left not in after.pages_run(), "a run of the page the tab left came after the list"
    # The list's own timers and the tab's next click still run, on the list.
    assert client.run(page="batch-unlock").shows("matching batches")
    client.close()
