"""The API's write endpoints (issue 17): create, fill, publish, retry, cancel, pause, resume, revoke.

Each handler only turns the request into the arguments of one use case of core/api/writes.py or
core/api/write_adds.py (which call the same core functions as the pages and the CLI) and the answer into a reply with
the batch's new ETag. The frame (framework.py) has already checked the token, its throttle, the
permission and the models, and runs a request with an `Idempotency-Key` inside its key's
transaction. `If-Match` takes the ETag GET /batches/{batch_id} sent: a batch changed since is
refused with 412 and nothing is written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
)

from core.access.names import unprintable
from core.access.roles import Permission
from core.api import write_adds, write_lists, writes
from core.api.write_checks import PreconditionFailed
from core.batches.names import MAX_NAME_LENGTH
from core.batches.read_model import read
from core.batches.rules import MAX_USERS_PER_BATCH
from core.errors import InputError, NotFound
from core.publishing import undo
from core.publishing.revoking import MAX_REASON_LENGTH
from core.segments.user_filter import MAX_FILTER_IDS, parse_user_id
from core.upload.user_list import Upload
from pages.web.api.framework import JSON, Call, Endpoint, Reply, etag, if_match
from pages.web.api.inputs import CSV, XLSX
from pages.web.api.models import BatchDetail, Id

LIST_TYPES = (JSON, CSV, XLSX)  # a user list: JSON rows, or a file as the upload dialog takes it
# User IDs one object may list: each is added on its own, so more go in a CSV body (one add).
MAX_FILL_IDS = MAX_FILTER_IDS
TOO_MANY_IDS = (
    "user_ids lists {n:,} User IDs; it takes at most {limit:,}. Upload a CSV instead: POST the "
    "list to /api/v1/batches/{{batch_id}}/users as a text/csv body (or a JSON list of rows)."
)
BAD_FILE_NAME = (
    "a file name may not contain line breaks, tabs, other control characters or marks that "
    "reverse the text around them: rename the file"
)
FILE_NAME_TEXT = "its name, used in messages and the log (no control or bidi characters)"
# What a file body is called without ?filename=, by its Content-Type.
BODY_NAMES = {CSV: write_lists.CSV_NAME, XLSX: "upload.xlsx"}
TEXT = 2_000  # longest free text a field takes before core's own rule says what is wrong
BATCH = "/batches/{batch_id}"
IF_MATCH_TEXT = (
    "Send `If-Match` with the ETag GET /batches/{batch_id} answered to act only on the batch as "
    "you saw it: if it changed since, nothing is done and the answer is 412, saying what changed. "
    "Send `Idempotency-Key` (e.g. a UUID) to make a retry safe: the first answer comes back."
)
WRITE_ERRORS = (404, 409, 412, 422)


# ---- request bodies and query strings ------------------------------------------------------


class Body(BaseModel):
    """A JSON body: only the fields named here, each of its JSON type (strict: true is no id,
    "25" and 25.0 are no whole numbers, "yes" is no boolean)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class Row(Body):
    """One user, named as the template's columns name them (several: checked together)."""

    id: StrictStr | StrictInt | None = Field(None, description="the User ID (digits)")
    username: Annotated[StrictStr, Field(max_length=TEXT)] | None = None
    email: Annotated[StrictStr, Field(max_length=TEXT)] | None = None


def _file_name(value: str | None) -> str | None:
    """A file name as sent, refused if it holds a control character or a bidi override."""
    if value is not None and unprintable(value):
        raise ValueError(BAD_FILE_NAME)
    return value


FileName = Annotated[str, AfterValidator(_file_name)]


class FileIn(Body):
    """A user list file (CSV or .xlsx in the template format), base64-encoded."""

    filename: FileName = Field(max_length=255, description=FILE_NAME_TEXT)
    content_base64: str = Field(description="the file's bytes, base64-encoded")


def _user_id(value: str | int) -> str | int:
    """A User ID by the UI's rule (1 to 18 ASCII digits), kept as sent; refused in its words."""
    try:
        parse_user_id(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None
    return value


UserIdItem = Annotated[StrictStr | StrictInt, AfterValidator(_user_id)]


class FillBody(Body):
    """Users from several sources in one transaction, as `batch add` takes them."""

    users: list[Row] | None = Field(None, description="rows, skipped and reported if bad")
    files: list[FileIn] = Field(default_factory=list, description="files, read as uploads")
    user_ids: list[UserIdItem] = Field(
        default_factory=list,
        description="User IDs that must all be added: one that cannot refuses the whole request "
        f"(at most {MAX_FILL_IDS:,}; send more as a CSV body)",
        max_length=MAX_FILL_IDS,
    )

    @field_validator("user_ids", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        # Each is added on its own (a few queries each): a long list belongs in an upload.
        if isinstance(value, list) and len(value) > MAX_FILL_IDS:
            raise ValueError(TOO_MANY_IDS.format(n=len(value), limit=MAX_FILL_IDS))
        return value


class CreateBody(FillBody):
    """A new draft for a badge quest, optionally with its users."""

    # The document states core's rule (1 to MAX_NAME_LENGTH); the model only stops text past
    # TEXT, so core refuses an empty, blank or too long name in its own words.
    name: str = Field(
        max_length=TEXT,
        json_schema_extra={"minLength": 1, "maxLength": MAX_NAME_LENGTH},
        description=f"the batch's name (1-{MAX_NAME_LENGTH})",
    )
    quest_id: Id = Field(description="the badge quest it unlocks")


class RetryBody(Body):
    """Which users in Error to queue again."""

    all_users: bool = Field(
        False,
        alias="all",
        description="also those who would fail again as things stand",
    )


class RevokeBody(Body):
    """Why, and whom: exactly one of all, user_ids, lookup or users."""

    reason: str | None = Field(
        None, max_length=TEXT, description=f"why (1-{MAX_REASON_LENGTH}; not needed on a dry run)"
    )
    all_users: bool = Field(False, alias="all", description="every user of the batch")
    # A batch holds at most MAX_USERS_PER_BATCH users: more can name no one more.
    user_ids: list[Id] = Field(
        default_factory=list,
        max_length=MAX_USERS_PER_BATCH,
        description=f"chosen User IDs (at most {MAX_USERS_PER_BATCH:,}, a batch's most)",
    )
    lookup: str | None = Field(None, max_length=TEXT, description="one User ID or Username")
    users: list[Row] | None = Field(
        None,
        max_length=MAX_USERS_PER_BATCH,
        description=f"rows, matched as an upload is (at most {MAX_USERS_PER_BATCH:,})",
    )


class ListQuery(BaseModel):
    """How a user list is taken."""

    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(False, description="answer the preview only: nothing is added")
    filename: FileName | None = Field(
        None, max_length=255, description=f"a file body's name: {FILE_NAME_TEXT}"
    )


class RevokeQuery(ListQuery):
    """A revoke's options beside its body (the reason, for a file body)."""

    reason: str | None = Field(None, max_length=TEXT, description="why, with a file body")


# ---- answers -------------------------------------------------------------------------------


class RowDetail(BaseModel):
    """One row of a user list: its status and the preview's words for it."""

    row: int = Field(description="a JSON row's place in the list (from 1); a file's line")
    status: str = Field(description="ok, not_found, mismatch, duplicate, already_in_batch, …")
    message: str
    user_id: int | None


class PreviewOut(BaseModel):
    """The preview of a user list (`preview --json`'s keys), and what adding it did."""

    dry_run: bool
    added: int
    message: str
    rows: int
    ok: int
    not_found: int
    mismatch: int
    duplicate: int
    already_in_batch: int
    already_unlocked: int
    inactive: int
    users_to_add: int
    limit: int
    over_limit: bool
    ignored_columns: list[str]
    details: list[RowDetail]


class AddOut(PreviewOut):
    """A list added to a batch (or previewed, on a dry run)."""

    id: int


class FileOut(PreviewOut):
    """One list of a fill, by its name ("request body" for JSON rows)."""

    file: str


class AddedUserOut(BaseModel):
    """A user added by User ID."""

    user_id: int
    username: str
    message: str


class FillOut(BaseModel):
    """What a fill added: in all, per list, and per User ID."""

    id: int
    added: int
    files: list[FileOut]
    added_users: list[AddedUserOut]


class CreatedOut(BatchDetail):
    """The new batch, and what adding its users did."""

    report: FileOut | None = Field(description="the first list's report (None without users)")
    added: int
    files: list[FileOut]
    added_users: list[AddedUserOut]


class PublishedOut(BatchDetail):
    """The batch after Publish, with the page's sentence and its place in the queue."""

    message: str
    position: int | None


class RetriedOut(BatchDetail):
    """The batch after Retry errors."""

    queued: int = Field(description="users in Error queued again")
    message: str
    failing_message: str | None = Field(description="who would fail again and why (not queued)")


class UndoneOut(BatchDetail):
    """The batch after cancel, pause or resume, with the page's sentence."""

    message: str


class RevokedOut(BatchDetail):
    """The batch after a revoke request."""

    requested: int = Field(description="users set Revoking")
    kept: int = Field(description="of those, users another batch keeps the quest for")
    revoke_status: str
    message: str


class RevokeDetail(BaseModel):
    """One user a revoke names, and what would happen to them."""

    row: int | None
    user_id: int | None
    username: str | None
    category: str
    message: str | None


class RevokePreviewOut(BaseModel):
    """What a revoke would do (`batch revoke --dry-run --json`)."""

    id: int
    name: str
    quest: str
    dry_run: bool
    revoke: int
    not_in_batch: int
    not_unlocked_by_this_batch: int
    kept_from_other_batch: int
    question: str
    details: list[RevokeDetail]


# ---- handlers --------------------------------------------------------------------------------


def expected_version(call: Call, batch_id: int) -> int | None:
    """The version If-Match names (None: act on the batch as it is now).

    With several ETags, the batch's own version when it is among them (the write checks it again
    in its transaction), else the first (which the write then refuses as changed).
    """
    versions = if_match(call)
    if not versions:
        return None
    if len(versions) == 1:
        return versions[0]
    try:
        current = read(call.uow, batch_id).version
    except NotFound:
        return versions[0]
    return current if current in versions else versions[0]


def batch_reply(answer: dict, status: int | None = None, **headers: str) -> Reply:
    """A batch answer with the batch's ETag."""
    return Reply(answer, status, {"ETag": etag(answer["version"]), **headers})


def with_version(call: Call, batch_id: int, answer: dict) -> Reply:
    """An answer about a batch that holds no version, with the batch's version now as its ETag
    (read in the write's transaction when it has one: the version this write left)."""
    return Reply(answer, headers={"ETag": etag(read(call.uow, batch_id).version)})


def with_etag_on_412(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
    """Give a 412 the batch's current ETag (header and `etag`), so a client can look again."""

    @functools.wraps(handler)
    def run(call: Call) -> Any:
        try:
            return handler(call)
        except PreconditionFailed as exc:
            tag = None if exc.version is None else etag(exc.version)
            exc.extensions["etag"] = tag
            if tag is not None:
                exc.headers["ETag"] = tag
            raise

    return run


def _rows(rows: list[Row] | None) -> list[dict]:
    """The validated rows as plain dicts (a field not sent is None)."""
    return [row.model_dump() for row in rows or []]


def _fill_sources(body: FillBody) -> tuple[list[Upload], list[str]]:
    """A fill's lists (JSON rows first, then the files) and its User IDs."""
    uploads = [write_lists.rows_upload(_rows(body.users))] if body.users is not None else []
    uploads += write_lists.file_uploads([f.model_dump() for f in body.files])
    return uploads, [str(user_id) for user_id in body.user_ids]


def _list_upload(call: Call, query: ListQuery) -> Upload:
    """The user list of a JSON-array or file body."""
    if call.content_type == JSON:
        return write_lists.rows_upload(_rows(call.body), query.filename or write_lists.ROWS_NAME)
    return write_lists.csv_upload(call.body_bytes, body_name(call, query))


def body_name(call: Call, query: ListQuery) -> str:
    """A file body's name: ?filename=, else upload.csv or upload.xlsx by its Content-Type."""
    return query.filename or BODY_NAMES.get(call.content_type, write_lists.CSV_NAME)


def create_batch(call: Call) -> Reply:
    """POST /batches."""
    body: CreateBody = call.body
    uploads, user_ids = _fill_sources(body)
    # Files or User IDs are what `batch create --url` sends: added "via the command line".
    via = write_adds.FILL_VIA if body.files or body.user_ids else write_adds.VIA
    answer = write_adds.create_batch(
        call.uow, call.account, body.name, body.quest_id, uploads, user_ids, via
    )
    location = f"/api/v1/batches/{answer['id']}"
    return batch_reply(answer, Location=location)


@with_etag_on_412
def add_users(call: Call) -> Any:
    """POST /batches/{batch_id}/users."""
    batch_id, query = call.path["batch_id"], call.query or ListQuery()
    expected = expected_version(call, batch_id)
    if isinstance(call.body, FillBody):
        if query.dry_run:
            raise InputError(
                "dry_run previews one list: send a JSON list of rows or a file body, not an object."
            )
        uploads, user_ids = _fill_sources(call.body)
        answer = write_adds.fill_batch(
            call.uow, call.account, batch_id, uploads, user_ids, expected
        )
        return with_version(call, batch_id, answer)
    upload = _list_upload(call, query)
    answer = write_adds.add_users(
        call.uow, call.account, batch_id, upload, dry_run=query.dry_run, expected=expected
    )
    return with_version(call, batch_id, answer)


@with_etag_on_412
def publish(call: Call) -> Reply:
    """POST /batches/{batch_id}/publish."""
    batch_id = call.path["batch_id"]
    answer = writes.publish(call.uow, call.account, batch_id, expected_version(call, batch_id))
    return batch_reply(answer)


@with_etag_on_412
def retry(call: Call) -> Reply:
    """POST /batches/{batch_id}/retry."""
    batch_id, body = call.path["batch_id"], call.body or RetryBody()
    answer = writes.retry_errors(
        call.uow,
        call.account,
        batch_id,
        all_users=body.all_users,
        expected=expected_version(call, batch_id),
    )
    return batch_reply(answer)


def undo_handler(action: str) -> Callable[[Call], Reply]:
    """The handler of POST /batches/{batch_id}/cancel, /pause or /resume."""

    @with_etag_on_412
    def handle(call: Call) -> Reply:
        batch_id = call.path["batch_id"]
        expected = expected_version(call, batch_id)
        return batch_reply(writes.undo_action(call.uow, call.account, batch_id, action, expected))

    handle.__name__ = f"{action}_batch"
    return handle


@with_etag_on_412
def revoke(call: Call) -> Any:
    """POST /batches/{batch_id}/revoke."""
    batch_id, query = call.path["batch_id"], call.query or RevokeQuery()
    expected = expected_version(call, batch_id)
    if call.content_type == JSON or not call.body_bytes:
        body: RevokeBody = call.body or RevokeBody()
        reason = body.reason if body.reason is not None else query.reason
        rows = write_lists.rows_upload(_rows(body.users)) if body.users is not None else None
        target = writes.revoke_target(
            all_users=body.all_users, user_ids=body.user_ids, lookup=body.lookup, upload=rows
        )
    else:
        reason = query.reason
        target = writes.revoke_target(
            upload=write_lists.csv_upload(call.body_bytes, body_name(call, query))
        )
    answer = writes.revoke(
        call.uow, call.account, batch_id, target, reason, dry_run=query.dry_run, expected=expected
    )
    return with_version(call, batch_id, answer) if query.dry_run else batch_reply(answer)


# ---- the endpoints ---------------------------------------------------------------------------

_EDIT = Permission.EDIT_BATCHES
_ETAG = ("ETag",)

WRITE_ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "POST",
        "/batches",
        "Create a draft batch, optionally with users",
        create_batch,
        _EDIT,
        body_model=CreateBody,
        response_model=CreatedOut,
        status=201,
        write=True,
        errors=(422,),
        headers=("ETag", "Location"),
        description="Creates a draft for a badge quest and adds `users` (rows: bad ones are "
        "skipped and reported, as an upload's), `files` and `user_ids` (each must be addable, "
        "or nothing is created), all in one transaction. Answers the batch as GET "
        "/batches/{batch_id} does, with `report` (the first list's preview and what was "
        "added). Send `Idempotency-Key` so a retry creates one batch.",
    ),
    Endpoint(
        "POST",
        f"{BATCH}/users",
        "Add users to a batch (or preview them)",
        add_users,
        _EDIT,
        query_model=ListQuery,
        body_model=list[Row] | FillBody,
        response_model=AddOut | FillOut,
        write=True,
        body_types=LIST_TYPES,
        errors=(*WRITE_ERRORS, 413),
        headers=_ETAG,
        description="Body: a JSON list of rows (`id`, `username` and/or `email`), or a CSV "
        "(or .xlsx) file in the template format, read as the upload dialog reads it. Answers "
        "the preview (counts per row status, and each row's status and message in the upload "
        "dialog's words) and adds the good rows, unless `dry_run=true`. A JSON object "
        "(`users`, `files`, `user_ids`) adds several lists in one transaction, as `batch add`. "
        + IF_MATCH_TEXT,
    ),
    Endpoint(
        "POST",
        f"{BATCH}/publish",
        "Publish a batch (queue it)",
        publish,
        _EDIT,
        response_model=PublishedOut,
        write=True,
        errors=WRITE_ERRORS,
        headers=_ETAG,
        description="As the Publish button: the batch is queued and the publisher unlocks its "
        "users in the background; a batch without users is Published at once. " + IF_MATCH_TEXT,
    ),
    Endpoint(
        "POST",
        f"{BATCH}/retry",
        "Retry a batch's errors",
        retry,
        _EDIT,
        body_model=RetryBody | None,
        response_model=RetriedOut,
        write=True,
        errors=WRITE_ERRORS,
        headers=_ETAG,
        description="Queues again the users in Error whose error has gone away (with "
        "`all: true`, every user in Error). " + IF_MATCH_TEXT,
    ),
    *[
        Endpoint(
            "POST",
            f"{BATCH}/{action}",
            summary,
            undo_handler(action),
            _EDIT,
            response_model=UndoneOut,
            write=True,
            errors=WRITE_ERRORS,
            headers=_ETAG,
            description=f"{text} {IF_MATCH_TEXT}",
        )
        for action, summary, text in (
            (
                undo.CANCEL,
                "Cancel publishing a queued batch",
                "An Unpublished batch (queued, nobody unlocked yet) goes back to a draft.",
            ),
            (
                undo.PAUSE,
                "Pause a running batch",
                "The publisher finishes its chunk, then takes no more of the batch's users.",
            ),
            (undo.RESUME, "Resume a paused batch", "The publisher takes its users again."),
        )
    ],
    Endpoint(
        "POST",
        f"{BATCH}/revoke",
        "Revoke what a batch unlocked (or preview it)",
        revoke,
        _EDIT,
        query_model=RevokeQuery,
        body_model=RevokeBody | None,
        response_model=RevokedOut | RevokePreviewOut,
        write=True,
        body_types=LIST_TYPES,
        errors=(*WRITE_ERRORS, 413),
        headers=_ETAG,
        description="Takes back the unlocks this batch made for all its users, chosen User "
        "IDs, one lookup, or rows (JSON, or a CSV body with `reason` in the query), with a "
        "reason; a user who holds the quest from another batch keeps it. With `dry_run=true` "
        "answers who would be revoked and why not the others, changing nothing. " + IF_MATCH_TEXT,
    ),
]
