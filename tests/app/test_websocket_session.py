"""Over Streamlit's own websocket protocol: once a session has ended, no partial rerun (fragment,
widget callback), deferred download, resumed session id or upload acts or returns data.

The app runs as `streamlit run app.py` (the browser tests' server, on its own data file); the
client in tests/support/streamlit_client.py sends what a browser tab would, or what a script would.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from core import words
from pages.ui.session import NOT_LOGGED_IN
from tests.support.browser import PASSWORDS, Server, _prepare, _start, _stop, cli
from tests.support.streamlit_client import XSRF_COOKIE, Run, StreamlitClient, log_in, press, text


@dataclass
class App:
    """The running app and a Published batch on it."""

    server: Server
    batch_id: int


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app on demo data, with the id of one of its Published batches."""
    tmp = tmp_path_factory.mktemp("websocket")
    db, quests = _prepare(tmp)
    published = json.loads(cli(db, "batch", "list", "--status", "Published", "--json"))
    proc, server = _start(tmp, db, quests)
    yield App(server, published[0]["id"])
    _stop(proc)


def log_out(http: requests.Session, url: str) -> None:
    """End the session as the "Log out" form does (POST /logout)."""
    response = http.post(f"{url}/logout", allow_redirects=False, timeout=30)
    assert response.status_code == 303


def refused(run: Run) -> bool:
    """Tell whether a run showed the login message and sent the browser to the login form."""
    return run.shows(NOT_LOGGED_IN) and "/login" in run.redirects()


def users_in(app: App, batch_id: int) -> int:
    """How many users the batch's page says it has, for a freshly logged-in admin."""
    http = log_in(app.server.url, "admin", PASSWORDS["admin"])
    client = StreamlitClient(app.server.url, http.cookies.get_dict())
    try:
        run = client.run(page="batch", query={"id": str(batch_id)})
    finally:
        client.close()
    counts = [m for t in run.texts() if (m := re.fullmatch(r"Users \(([\d,]+)\)", t))]
    assert counts, run.texts()
    return int(counts[0].group(1).replace(",", ""))


def open_single(client: StreamlitClient, batch_id: int) -> tuple[str, str, str]:
    """Open the Published batch's page with "Single" chosen: (fragment, User ID input, Add).

    After an add the batch runs again (no add tools meanwhile): wait until it is Published.
    """
    deadline = time.monotonic() + 60
    while True:
        first = client.run(page="batch", query={"id": str(batch_id)})
        kind = first.widget("radio", words.UPLOAD_TYPE)
        if not kind.proto.disabled:
            break
        assert time.monotonic() < deadline, "the batch did not get back to Published"
        time.sleep(0.5)
    run = client.run(values={kind.proto.id: text(words.SINGLE)})
    field = run.widget("text_input", words.USER_ID)
    add = run.widget("button", words.ADD)
    assert add.fragment_id, "the Single form is a fragment: its Add reruns only that part"
    return add.fragment_id, field.proto.id, add.proto.id


def test_after_logout_the_single_forms_add_in_its_own_fragment_run_adds_nobody(app: App) -> None:
    http = log_in(app.server.url, "dev", PASSWORDS["dev"])
    client = StreamlitClient(app.server.url, http.cookies.get_dict())
    fragment, field, add = open_single(client, app.batch_id)
    before = users_in(app, app.batch_id)

    # While logged in, the fragment's own run adds the user: the client does what a tab does.
    client.run(fragment_id=fragment, values={field: text("900001"), add: press()})
    assert users_in(app, app.batch_id) == before + 1

    fragment, field, add = open_single(client, app.batch_id)
    log_out(http, app.server.url)
    run = client.run(fragment_id=fragment, values={field: text("900002"), add: press()})
    assert refused(run)
    assert users_in(app, app.batch_id) == before + 1
    client.close()


def test_after_logout_the_batch_lists_live_refresh_returns_no_rows(app: App) -> None:
    http = log_in(app.server.url, "dev", PASSWORDS["dev"])
    client = StreamlitClient(app.server.url, http.cookies.get_dict())
    first = client.run(page="batch-unlock")
    table = next(e for e in first.elements if e.kind == "dataframe" and e.fragment_id)
    assert client.run(fragment_id=table.fragment_id).shows("matching batches")

    log_out(http, app.server.url)
    run = client.run(fragment_id=table.fragment_id)
    assert refused(run)
    assert not run.shows("matching batches")
    assert not [e for e in run.elements if e.kind == "dataframe"]
    client.close()


def test_after_logout_a_widget_callback_does_not_run(app: App) -> None:
    http = log_in(app.server.url, "dev", PASSWORDS["dev"])
    client = StreamlitClient(app.server.url, http.cookies.get_dict())
    first = client.run(page="batch-unlock")
    size = first.widget("selectbox", "Rows per page")
    # The callback puts the page size in the URL (then the fragment reruns).
    run = client.run(fragment_id=size.fragment_id, values={size.proto.id: text("50")})
    assert any("50" in q for q in run.query_strings()), run.query_strings()

    log_out(http, app.server.url)
    run = client.run(fragment_id=size.fragment_id, values={size.proto.id: text("100")})
    assert refused(run)
    assert not any("100" in q for q in run.query_strings())
    client.close()


def test_after_logout_a_deferred_download_builds_no_file(app: App) -> None:
    url = app.server.url
    http = log_in(url, "dev", PASSWORDS["dev"])
    client = StreamlitClient(url, http.cookies.get_dict())
    first = client.run(page="batch-unlock")
    export = first.widget("download_button", "Export CSV").proto.deferred_file_id
    assert export

    answer = client.download(export).backend_responses()[-1]
    assert answer.deferred_file.url, answer.error_msg
    media = url + answer.deferred_file.url
    csv = http.get(media, timeout=30)
    assert csv.status_code == 200
    assert words.TITLE in csv.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert requests.get(media, timeout=30).status_code == 401  # no cookie, no file

    log_out(http, url)
    after = client.download(export)
    answer = after.backend_responses()[-1]
    assert not answer.deferred_file.url
    assert answer.error_msg
    # And the tab is told, then sent to the login form (that run may have ended before the
    # answer came, or come after it).
    told = after if refused(after) else Run(after.messages + client.receive_run().messages)
    assert refused(told)
    assert http.get(media, timeout=30).status_code == 401  # the ended session's cookie
    client.close()


def test_a_client_with_a_session_id_but_no_cookie_cannot_resume_it_and_read(app: App) -> None:
    http = log_in(app.server.url, "dev", PASSWORDS["dev"])
    owner = StreamlitClient(app.server.url, http.cookies.get_dict())
    first = owner.run(page="batch-unlock")
    table = next(e for e in first.elements if e.kind == "dataframe" and e.fragment_id)
    owner.close()

    intruder = StreamlitClient(app.server.url, {}, session_id=owner.session_id)
    intruder.page_name = "batch-unlock"
    run = intruder.run(fragment_id=table.fragment_id)
    assert intruder.session_id == owner.session_id  # it did resume the session, state and all
    assert refused(run)
    assert not run.shows("matching batches")
    run = intruder.run()
    assert refused(run)
    assert not run.shows("matching batches")
    intruder.close()


def upload(url: str, session_id: str, cookies: dict[str, str]) -> int:
    """PUT one small file to a Streamlit session's upload endpoint; return the status code."""
    xsrf = cookies.get(XSRF_COOKIE)
    if xsrf is None:  # anyone gets Streamlit's XSRF cookie from its health check
        xsrf = requests.get(f"{url}/_stcore/health", timeout=30).cookies[XSRF_COOKIE]
        cookies = {**cookies, XSRF_COOKIE: xsrf}
    response = requests.put(
        f"{url}/_stcore/upload_file/{session_id}/{uuid.uuid4().hex}",
        files={"file": ("users.csv", b"ID\n900003\n", "text/csv")},
        headers={"X-Xsrftoken": xsrf},
        cookies=cookies,
        timeout=30,
    )
    return response.status_code


def test_an_upload_needs_a_live_login_session(app: App) -> None:
    url = app.server.url
    http = log_in(url, "dev", PASSWORDS["dev"])
    client = StreamlitClient(url, http.cookies.get_dict())
    client.run(page="batch-unlock")
    xsrf_only = {XSRF_COOKIE: http.cookies[XSRF_COOKIE]}

    assert upload(url, client.session_id, http.cookies.get_dict()) == 204
    assert upload(url, client.session_id, xsrf_only) == 401
    log_out(http, url)
    assert upload(url, client.session_id, http.cookies.get_dict()) == 401
    client.close()


def test_the_server_caps_an_upload_at_the_apps_own_limit(app: App) -> None:
    url = app.server.url
    http = log_in(url, "dev", PASSWORDS["dev"])
    client = StreamlitClient(url, http.cookies.get_dict())
    client.run(page="batch-unlock")
    xsrf = http.cookies[XSRF_COOKIE]
    response = http.put(
        f"{url}/_stcore/upload_file/{client.session_id}/{uuid.uuid4().hex}",
        files={"file": ("big.csv", b"1\n" * (5 * 1024 * 1024 + 1), "text/csv")},  # > 10 MB
        headers={"X-Xsrftoken": xsrf},
        timeout=60,
    )
    assert response.status_code == 413
    client.close()


def test_metrics_are_for_admins_and_health_stays_open(app: App) -> None:
    url = app.server.url
    assert requests.get(f"{url}/_stcore/health", timeout=30).text == "ok"
    assert requests.get(f"{url}/_stcore/metrics", timeout=30).status_code == 401
    dev = log_in(url, "dev", PASSWORDS["dev"])
    assert dev.get(f"{url}/_stcore/metrics", timeout=30).status_code == 403
    admin = log_in(url, "admin", PASSWORDS["admin"])
    assert admin.get(f"{url}/_stcore/metrics", timeout=30).status_code == 200


def test_only_roles_that_upload_may_upload_and_only_into_their_own_session(app: App) -> None:
    url = app.server.url
    dev = log_in(url, "dev", PASSWORDS["dev"])
    dev_tab = StreamlitClient(url, dev.cookies.get_dict())
    dev_tab.run(page="batch-unlock")
    analyst = log_in(url, "analyst", PASSWORDS["analyst"])
    analyst_tab = StreamlitClient(url, analyst.cookies.get_dict())
    analyst_tab.run(page="batch-unlock")
    try:
        assert upload(url, dev_tab.session_id, dev.cookies.get_dict()) == 204
        # An analyst has nothing to upload, not even into their own page.
        assert upload(url, analyst_tab.session_id, analyst.cookies.get_dict()) == 403
        # Another login's page is not a place to put files, whoever it belongs to.
        admin = log_in(url, "admin", PASSWORDS["admin"])
        assert upload(url, dev_tab.session_id, admin.cookies.get_dict()) == 403
        assert upload(url, uuid.uuid4().hex, dev.cookies.get_dict()) == 403
    finally:
        dev_tab.close()
        analyst_tab.close()


def test_a_page_of_another_origin_on_the_same_host_cannot_open_the_websocket(app: App) -> None:
    from websockets.exceptions import InvalidStatus

    url = app.server.url
    dev = log_in(url, "dev", PASSWORDS["dev"])
    other_port = url.rsplit(":", 1)[0] + ":9"
    with pytest.raises(InvalidStatus):
        StreamlitClient(url, dev.cookies.get_dict(), origin=other_port)
    # The app's own pages, and clients that are no browser (no Origin), still connect.
    for origin in ("", None):
        tab = StreamlitClient(url, dev.cookies.get_dict(), origin=origin)
        try:
            assert tab.run(page="batch-unlock").texts()
        finally:
            tab.close()
