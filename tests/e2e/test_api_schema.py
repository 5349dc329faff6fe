"""The whole API against its own OpenAPI document (issue 17): schemathesis generates requests,
valid and invalid, with an admin token, and no answer may be a 500 or break the document.

schemathesis runs as its command line, in a subprocess, against the test server (its pytest
plugin does not load under this pytest). Every check runs but `positive_data_acceptance`: a
schema cannot say every rule core applies (a day of the calendar, a time zone, a batch name,
an empty list), and those refusals are 422 problems by design.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.access import api_throttle
from tests.support import api_server as served
from tests.support.api_server import ApiServer

api_server = served.api_server  # the fixture: this module's server
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = "15"  # per operation and phase: ~1,500 requests, about a minute here


@pytest.fixture
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A run's thousand requests a minute are no abuse: a throttle too large to refuse one."""
    monkeypatch.setattr(api_throttle, "_throttle", api_throttle.Throttle(limit=1_000_000))
    # Its checks send requests without the token too: each a failed authentication.
    monkeypatch.setattr(api_throttle, "_failures", api_throttle.Throttle(limit=1_000_000))
    yield


def test_no_generated_request_gets_a_server_error_or_an_answer_outside_the_document(
    api_server: ApiServer,
    unthrottled: None,
    tmp_path: Path,
) -> None:
    token = api_server.token("admin")
    run = subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{api_server.base_url}/openapi.json",
            "--header", f"Authorization: Bearer {token}",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", EXAMPLES, "--workers", "1", "--seed", "17",
            "--generation-database", "none", "--no-color",
            "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "passed" in run.stdout
