"""The API over loopback HTTP against input a library would have worded: each refusal says in the
product's words which field is wrong and what to do, echoes little of what was sent, and takes a
JSON body's ids and booleans only as JSON's own types."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.support import api_server as served
from tests.support.api_server import ApiServer

api_server = served.api_server  # the fixture: this module's server
dev_token = served.dev_token
quest_id = served.quest_id
PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def draft(api_server: ApiServer, dev_token: str, quest_id: int) -> int:
    """A new empty draft of the dev."""
    return served.new_draft(api_server, dev_token, quest_id, "Words")


def _detail(answer: served.Answer, status: int = 422) -> str:
    assert answer.status == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    return answer.json()["detail"]


# -- A: a body's ids and booleans are JSON's own types ------------------------------------------


@pytest.mark.parametrize(
    ("quest", "said"),
    [
        (True, "quest_id must be a whole number (e.g. 12), not “true”"),
        ("25", "quest_id must be a whole number (e.g. 12), not the text “25”"),
        (25.5, "quest_id must be a whole number (e.g. 12), not “25.5”"),
    ],
)
def test_a_quest_id_that_is_no_json_whole_number_makes_no_batch(
    api_server: ApiServer, dev_token: str, quest: object, said: str
) -> None:
    name = f"Loose-{uuid.uuid4().hex[:8]}"

    answer = api_server.post("/batches", {"name": name, "quest_id": quest}, token=dev_token)

    assert said in _detail(answer)
    assert answer.json()["errors"][0]["loc"] == ["body", "quest_id"]
    assert api_server.get(f"/batches?name={name}", token=dev_token).json()["total"] == 0


def test_true_is_no_user_id_in_a_revoke_and_the_query_flag_stays_text(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    answer = api_server.post(
        f"/batches/{draft}/revoke?dry_run=true", {"user_ids": [True]}, token=dev_token
    )

    assert "user_ids item 1 must be a whole number (e.g. 12), not “true”" in _detail(answer)


def test_a_retry_takes_all_only_as_true_or_false(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    answer = api_server.post(f"/batches/{draft}/retry", {"all": "yes"}, token=dev_token)

    assert "all must be true or false, not the text “yes”" in _detail(answer)


# -- B: our words, naming the field and what to do ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"name": "n" * 2001, "quest_id": 1}, "name is longer than 2,000 characters: shorten it"),
        (
            {"name": "n", "quest_id": 2**63},
            "quest_id must be a whole number from 1 to 9,223,372,036,854,775,807",
        ),
        ({"quest_id": 1}, "name is required"),
        ({"name": ["n"], "quest_id": 1}, "name must be text (in double quotes), not a list"),
        ({"name": "n", "quest_id": {}}, "quest_id must be a whole number (e.g. 12), not an object"),
    ],
)
def test_a_refused_field_is_named_with_what_to_do_in_the_products_words(
    api_server: ApiServer, dev_token: str, body: dict, said: str
) -> None:
    answer = api_server.post("/batches", body, token=dev_token)

    detail = _detail(answer)
    assert said in detail and detail.endswith("Fix it, then send the request again.")
    assert "Input should" not in answer.text and "String should" not in answer.text


def test_a_query_parameter_that_is_no_number_is_refused_in_our_words(
    api_server: ApiServer, dev_token: str
) -> None:
    answer = api_server.get("/batches?page=two", token=dev_token)

    assert "page must be a whole number (e.g. 12), not “two”" in _detail(answer)
    assert "unable to parse" not in answer.text


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b'{"name": "n', "(line 1, column 10): a text is not closed"),
        (b'{\n "name": "n",\n}', "(line 3, column 1): a field name in double quotes is expected"),
    ],
)
def test_json_that_cannot_be_read_is_refused_with_its_line_and_column(
    api_server: ApiServer, dev_token: str, raw: bytes, said: str
) -> None:
    answer = api_server.post(
        "/batches", raw=raw, token=dev_token, headers={"Content-Type": "application/json"}
    )

    detail = _detail(answer)
    assert detail.startswith("The request body is not valid JSON") and said in detail
    assert "starting at." not in detail


def test_a_json_body_after_a_utf8_byte_order_mark_is_read(
    api_server: ApiServer, dev_token: str, quest_id: int
) -> None:
    body = json.dumps({"name": f"BOM {uuid.uuid4().hex[:8]}", "quest_id": quest_id})

    answer = api_server.post(
        "/batches",
        raw=b"\xef\xbb\xbf" + body.encode(),
        token=dev_token,
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 201, answer.text


def test_a_created_day_without_an_operator_says_to_put_one_first(
    api_server: ApiServer, dev_token: str
) -> None:
    answer = api_server.get("/batches?created=2026-10-01", token=dev_token)

    assert _detail(answer) == (
        "“2026-10-01” needs an operator first: > after, < before or = on, e.g. “>2026-10-01”."
    )


# -- C: what a refusal echoes is bounded ---------------------------------------------------------


def test_a_huge_unknown_parameter_name_is_echoed_cut_short(
    api_server: ApiServer, dev_token: str
) -> None:
    name = "x" * 60_000

    answer = api_server.get(f"/quests?{name}=1", token=dev_token)

    detail = _detail(answer)
    assert "“" + "x" * 79 + "…”" in detail and "x" * 81 not in answer.text
    assert len(answer.body) < 2_000


def test_thousands_of_unknown_parameters_list_ten_and_count_the_rest(
    api_server: ApiServer, dev_token: str
) -> None:
    query = "&".join(f"p{n}=1" for n in range(3_000))

    answer = api_server.get(f"/batches?{query}", token=dev_token)

    detail = _detail(answer)
    assert "“p9”" in detail and "“p10”" not in detail and "and 2,990 more parameters" in detail
    assert len(answer.json()["errors"]) == 10 and len(answer.body) < 5_000


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/batches?status=" + "x" * 60_000, "status is longer than 40 characters: shorten it"),
        ("/users?id=" + "x" * 60_000, "is not a User ID. Write it as 1 to 18 digits."),
        ("/batches?quest=" + "9" * 60_000, "quest must be a whole number from 1 to "),
    ],
)
def test_a_huge_value_core_would_echo_is_refused_before_with_little_of_it(
    api_server: ApiServer, dev_token: str, path: str, said: str
) -> None:
    answer = api_server.get(path, token=dev_token)

    assert said in _detail(answer) and len(answer.body) < 2_000


# -- D: a file body is named by its type ---------------------------------------------------------


def test_an_xlsx_body_is_called_upload_xlsx_not_upload_csv(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    answer = api_server.post(
        f"/batches/{draft}/users",
        raw=b"PK\x03\x04 not a workbook",
        token=dev_token,
        headers={"Content-Type": XLSX},
    )

    detail = _detail(answer)
    assert "“upload.xlsx”" in detail and "upload.csv" not in detail


def test_an_empty_csv_body_says_what_a_csv_body_holds(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    answer = api_server.post(
        f"/batches/{draft}/users", raw=b"", token=dev_token, headers={"Content-Type": "text/csv"}
    )

    assert _detail(answer) == (
        "The CSV body is empty: send the template's header line (ID;Username;Registered email) "
        "and one row per user."
    )


# -- E: a file name sent is refused with control or bidi characters ------------------------------


@pytest.mark.parametrize("name", ["list\u202egsv.csv", "a\u2066b.csv", "a\u200fb.csv", "a\nb.csv"])
def test_a_file_name_with_a_control_or_bidi_character_is_refused(
    api_server: ApiServer, dev_token: str, draft: int, name: str
) -> None:
    body = {"files": [{"filename": name, "content_base64": "SUQKMQo="}]}

    answer = api_server.post(f"/batches/{draft}/users", body, token=dev_token)

    assert "files item 1: filename: a file name may not contain" in _detail(answer)


def test_a_file_body_name_in_the_query_is_refused_with_a_bidi_override(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    answer = api_server.post(
        f"/batches/{draft}/users?filename=a%E2%80%AEb.csv",
        raw=b"ID\n1\n",
        token=dev_token,
        headers={"Content-Type": "text/csv"},
    )

    assert "filename: a file name may not contain" in _detail(answer)


# -- F: /api/v1 itself --------------------------------------------------------------------------


def test_the_api_root_without_a_slash_answers_as_with_one_not_the_login_page(
    api_server: ApiServer,
) -> None:
    bare = api_server.get(api_server.base_url)
    slashed = api_server.get(api_server.base_url + "/")

    assert (bare.status, bare.headers["content-type"]) == (404, PROBLEM)
    assert bare.json()["detail"] == slashed.json()["detail"]
    assert "/api/v1/docs" in bare.json()["detail"]


# -- numbers JSON can write but no field takes --------------------------------------------------


def test_a_whole_number_written_with_a_fraction_is_that_whole_number(
    api_server: ApiServer, dev_token: str, quest_id: int
) -> None:
    # Java's Double and pandas write 25 as 25.0; OpenAPI's "integer" takes it too.
    raw = json.dumps({"name": f"Whole-{uuid.uuid4().hex[:8]}", "quest_id": float(quest_id)})
    answer = api_server.post(
        "/batches", raw=raw.encode(), headers={"Content-Type": "application/json"}, token=dev_token
    )
    assert answer.status == 201, answer.text
    assert answer.json()["quest_id"] == quest_id


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ('{"name": "x", "quest_id": ' + "9" * 5000 + "}", "holds a number of 5,000 digits"),
        ('{"name": "x", "quest_id": 1e400}', "holds “1e400”, which JSON has no number for"),
        ('{"name": "x", "quest_id": NaN}', "holds “NaN”, which JSON has no number for"),
        ('{"name": "x", "quest_id": -Infinity}', "holds “-Infinity”, which JSON has no number"),
        ('{"name": "A", "name": "B", "quest_id": 1}', "gives the field “name” twice"),
    ],
)
def test_a_number_no_field_takes_or_a_field_given_twice_is_refused_in_words(
    api_server: ApiServer, dev_token: str, raw: str, said: str
) -> None:
    answer = api_server.post(
        "/batches", raw=raw.encode(), headers={"Content-Type": "application/json"}, token=dev_token
    )
    assert said in _detail(answer)


def test_a_path_id_of_thousands_of_digits_is_refused_not_a_server_error(
    api_server: ApiServer, dev_token: str
) -> None:
    answer = api_server.get("/batches/" + "9" * 4301, token=dev_token)
    assert "must be a whole number from 1 to" in _detail(answer)


@pytest.mark.parametrize("page", ["1_000", "+1", "1.0", " 2"])
def test_a_number_in_the_query_string_is_written_with_digits_only(
    api_server: ApiServer, dev_token: str, page: str
) -> None:
    from urllib.parse import quote

    answer = api_server.get(f"/batches?page={quote(page)}", token=dev_token)
    assert f"page must be a whole number (e.g. 12), not “{page}”" in _detail(answer)
