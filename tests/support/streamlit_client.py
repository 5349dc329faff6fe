"""A small client that speaks Streamlit's websocket protocol, as a browser (or an attacker) does.

It logs in over HTTP like the login form, opens `/_stcore/stream`, sends BackMsgs (full runs,
fragment reruns with widget values, deferred-file requests) and collects the ForwardMsgs of each
run, so tests can see what a run showed and did without a browser.
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass, field

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import ClientConnection, connect

from pages.web.auth import COOKIE

XSRF_COOKIE = "_streamlit_xsrf"
RUN_TIMEOUT = 60.0


def log_in(url: str, username: str, password: str) -> requests.Session:
    """Log in through the login form's POST; the returned HTTP session holds the cookies."""
    http = requests.Session()
    response = http.post(
        f"{url}/login",
        data={"username": username, "password": password, "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text
    assert http.cookies.get(COOKIE)
    http.get(f"{url}/_stcore/health", timeout=30)  # as the page does: it sets the XSRF cookie
    return http


@dataclass
class Element:
    """One element a run drew: its proto type, the proto itself, and its fragment (if any)."""

    kind: str
    proto: object
    fragment_id: str


@dataclass
class Run:
    """What the server sent for one run."""

    messages: list[ForwardMsg] = field(default_factory=list)

    @property
    def elements(self) -> list[Element]:
        """Every element drawn, in order."""
        found = []
        for msg in self.messages:
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                kind = element.WhichOneof("type")
                found.append(Element(kind, getattr(element, kind), msg.delta.fragment_id))
        return found

    def texts(self) -> list[str]:
        """The text of every markdown, heading, caption and alert drawn."""
        return [
            getattr(e.proto, "body", "")
            for e in self.elements
            if e.kind in {"markdown", "heading", "alert", "text"}
        ]

    def shows(self, text: str) -> bool:
        """Tell whether any drawn text contains `text`."""
        return any(text in t for t in self.texts())

    def widget(self, kind: str, label: str) -> Element:
        """The widget of a type whose label is `label` (exactly)."""
        for e in self.elements:
            if e.kind == kind and getattr(e.proto, "label", None) == label:
                return e
        raise AssertionError(f"No {kind} labelled {label!r} in {[e.kind for e in self.elements]}")

    def pages_run(self) -> list[str]:
        """The page (script hash) of each run the server began, in order."""
        return [
            m.new_session.page_script_hash
            for m in self.messages
            if m.WhichOneof("type") == "new_session"
        ]

    def redirects(self) -> list[str]:
        """The URLs the run sent the browser to (the message `st.logout` uses)."""
        return [
            m.auth_redirect.url for m in self.messages if m.WhichOneof("type") == "auth_redirect"
        ]

    def query_strings(self) -> list[str]:
        """The query strings the run put in the browser's URL."""
        return [
            m.page_info_changed.query_string
            for m in self.messages
            if m.WhichOneof("type") == "page_info_changed"
        ]

    def auto_reruns(self) -> tuple[dict[str, float], list[str]]:
        """The fragments the run asked the browser to rerun on a timer ({id: seconds}), and
        those whose timers it stopped."""
        started: dict[str, float] = {}
        stopped: list[str] = []
        for m in self.messages:
            kind = m.WhichOneof("type")
            if kind == "auto_rerun":
                started[m.auto_rerun.fragment_id] = m.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                stopped.extend(m.stop_auto_rerun.fragment_ids)
        return started, stopped

    def exceptions(self) -> list[str]:
        """The messages of the exceptions the run showed (Streamlit's error box)."""
        return [e.proto.message or e.proto.type for e in self.elements if e.kind == "exception"]

    def backend_responses(self) -> list[object]:
        """The answers to backend operations (deferred downloads) received during the run."""
        return [
            m.backend_operation_response
            for m in self.messages
            if m.WhichOneof("type") == "backend_operation_response"
        ]


class StreamlitClient:
    """One websocket connection to the app: a browser tab without the browser."""

    def __init__(
        self,
        url: str,
        cookies: dict[str, str] | None = None,
        session_id: str = "",
        origin: str | None = "",
    ) -> None:
        """Connect; with `session_id`, ask to resume that Streamlit session (as a reconnect does).

        `origin` is the page the browser says opened the socket: the app's own by default, None
        for a client that sends none (a script).
        """
        self.url = url
        cookies = cookies or {}
        headers = {"Origin": origin or url} if origin is not None else {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        # Streamlit reads the subprotocol list by position: "streamlit", the XSRF token (a wrong
        # one only means no single sign-on identity), then the session id to resume.
        protocols = ["streamlit", cookies.get(XSRF_COOKIE, "none")]
        if session_id:
            protocols.append(session_id)
        self._connection = connect(
            ws_url,
            additional_headers=headers,
            subprotocols=protocols,  # type: ignore[arg-type]
            max_size=None,
            open_timeout=30,
        )
        # websockets wants its connection entered (as `with` does); close() leaves it.
        self.ws: ClientConnection = self._connection.__enter__()
        self.session_id = ""
        self.widgets: dict[str, WidgetState] = {}
        self.query_string = ""
        self.page_name = ""
        self.page_script_hash = ""
        self.receiving = Run()

    def close(self) -> None:
        """Close the connection."""
        self._connection.__exit__(None, None, None)

    def _send(self, msg: BackMsg) -> None:
        self.ws.send(msg.SerializeToString())

    def _track(self, msg: ForwardMsg) -> str | None:
        """Keep what the browser keeps of a message (session, page, URL); return its type."""
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id
        elif kind == "navigation":
            # As the browser does: later runs name the page the router chose by its hash.
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        return kind

    def _next(self, deadline: float) -> tuple[ForwardMsg, str | None]:
        """The next message, waited for until `deadline` (TimeoutError past it), and its type;
        kept as the browser keeps it (`_track`)."""
        msg = ForwardMsg()
        msg.ParseFromString(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        return msg, self._track(msg)

    def receive_run(self, expect_backend: bool = False, timeout: float | None = None) -> Run:
        """Collect messages until a run (one the server started, too) has finished.

        `timeout` (seconds, default RUN_TIMEOUT) bounds the wait; TimeoutError past it.
        """
        run = Run()
        self.receiving = run  # what came so far, for a caller that times out to look at
        deadline = time.monotonic() + (RUN_TIMEOUT if timeout is None else timeout)
        while True:
            msg, kind = self._next(deadline)
            run.messages.append(msg)
            if expect_backend:
                # Only the answer ends the wait: a live fragment's run may finish first.
                if kind == "backend_operation_response":
                    return run
                continue
            if kind == "script_finished" and (
                msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
            ):
                return run

    def run(
        self,
        page: str | None = None,
        query: dict[str, str] | None = None,
        fragment_id: str = "",
        values: dict[str, WidgetState] | None = None,
        auto: bool = False,
        timeout: float | None = None,
    ) -> Run:
        """Ask for a run (the page's, or one fragment's) with these widget values; wait for it.

        `auto` marks a fragment's timed rerun (`run_every`), as the browser marks it.
        """
        self.ask(page, query, fragment_id, values, auto)
        run = self.receive_run(timeout=timeout)
        # A trigger (a button press) lasts one run, as in the browser.
        for widget_id in [
            w for w, s in self.widgets.items() if s.WhichOneof("value") == "trigger_value"
        ]:
            del self.widgets[widget_id]
        return run

    def ask(
        self,
        page: str | None = None,
        query: dict[str, str] | None = None,
        fragment_id: str = "",
        values: dict[str, WidgetState] | None = None,
        auto: bool = False,
        page_script_hash: str | None = None,
    ) -> None:
        """Send a run's request and return at once (`run` also waits for it).

        `page_script_hash` names the page the request comes from, as a tab's timer names the
        page that set it (by default the page the client is on).
        """
        if page is not None:
            self.page_name, self.page_script_hash = page, ""
        if query is not None:
            self.query_string = urllib.parse.urlencode(query)
        for widget_id, state in (values or {}).items():
            state.id = widget_id
            self.widgets[widget_id] = state
        msg = BackMsg()
        client_state = msg.rerun_script
        client_state.query_string = self.query_string
        client_state.page_name = self.page_name
        client_state.page_script_hash = (
            self.page_script_hash if page_script_hash is None else page_script_hash
        )
        client_state.fragment_id = fragment_id
        client_state.is_auto_rerun = auto
        client_state.widget_states.widgets.extend(self.widgets.values())
        client_state.context_info.timezone = "UTC"
        self._send(msg)

    def receive_until(self, kind: str, timeout: float = RUN_TIMEOUT) -> Run:
        """Collect messages up to and with the first of type `kind` ("new_session": a run began)."""
        run = Run()
        deadline = time.monotonic() + timeout
        while True:
            msg, got = self._next(deadline)
            run.messages.append(msg)
            if got == kind:
                return run

    def receive_for(self, seconds: float) -> Run:
        """Collect whatever the server sends within `seconds` (nothing, when it sends nothing)."""
        run = Run()
        deadline = time.monotonic() + seconds
        while deadline - time.monotonic() > 0:
            try:
                msg, _kind = self._next(deadline)
            except TimeoutError:
                break
            run.messages.append(msg)
        return run

    def upload(
        self, http: requests.Session, name: str, data: bytes, mime: str = "text/csv"
    ) -> WidgetState:
        """Upload a file as the browser's file uploader does; return the widget's new value.

        The browser asks the session for an upload URL (a `file_urls_request` BackMsg), PUTs
        the file there over HTTP with the XSRF token, then reruns with the file's id as the
        uploader's value: pass the returned state to `run`.
        """
        msg = BackMsg()
        request = msg.file_urls_request
        request.request_id = f"urls-{time.monotonic_ns()}"
        request.session_id = self.session_id
        request.file_names.append(name)
        self._send(msg)
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            answer, kind = self._next(deadline)
            if kind == "file_urls_response" and (
                answer.file_urls_response.response_id == request.request_id
            ):
                break
        urls = answer.file_urls_response.file_urls[0]
        response = http.put(
            self.url + urls.upload_url,
            files={"file": (name, data, mime)},
            headers={"X-Xsrftoken": http.cookies.get(XSRF_COOKIE, "")},
            timeout=RUN_TIMEOUT,
        )
        response.raise_for_status()
        state = WidgetState()
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(data)
        info.file_urls.CopyFrom(urls)
        return state

    def download(self, file_id: str) -> Run:
        """Ask for a deferred download (what clicking its button does); wait for the answer."""
        msg = BackMsg()
        request = msg.backend_operation_request
        request.request_id = f"req-{time.monotonic_ns()}"
        request.session_id = self.session_id
        request.deferred_file.file_id = file_id
        self._send(msg)
        return self.receive_run(expect_backend=True)


def text(value: str) -> WidgetState:
    """A text widget's (or radio's, selectbox's) value."""
    return WidgetState(string_value=value)


def press() -> WidgetState:
    """A button press."""
    return WidgetState(trigger_value=True)
