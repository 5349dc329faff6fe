"""The API's query parameters and answers as pydantic models: what the frame validates and what
pages/web/api/openapi.py writes into the OpenAPI document.

Answers are made by core/api/shapes.py (the CLI's --json objects); these models describe them.
A query model forbids parameters it does not name, so a misspelt filter is refused, not ignored.
Values pass to core as given: core's parsers refuse what they cannot use, in the UI's words.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from core import words
from core.batches.rules import MAX_USERS_PER_BATCH
from core.history import paging
from core.history.terms import FILTER_CODES, MAX_PAGE_SIZE, MAX_SEARCH_LENGTH, SORT_COLUMNS
from core.platform_users import ids
from core.segments.user_filter import ACTIVE_WORDS, MAX_USER_PAGE_SIZE, USER_SORTS
from pages.web.api.problems import shorten

MAX_ID = ids.MAX_ID  # ids are BIGINT in both stores (the command line's bound too)
MAX_PAGE = 1_000_000
# An id. A query string's are text, parsed as today; a JSON body's models are strict
# (write_routes.Body), so there only a JSON whole number is one (not true, "25" or 25.0).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PAGE_TEXT = (
    "the page, from 1; a page past the end answers no `items` (with the true `total`), so a "
    "client can page until `items` is empty"
)
DAY_FILTER = (
    "'>2026-10-01' (after that day), '<2026-10-01' (before it) or '=2026-10-01' (during it)"
)


# Years 1000-9998: core/history/dates.py FIRST_DAY and LAST_DAY.
_YEAR = "(1[0-9]{3}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
_LEAP = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
# A day filter as the document states it: an operator and a day of the calendar.
DAY_PATTERN = {"pattern": f"^[<>=]({_YEAR}-{_MONTH_DAY}|{_LEAP}-02-29)$"}
_ONE_ID = f"[0-9]{{1,{ids.MAX_DIGITS}}}"
ID_LIST_PATTERN = {"pattern": f"^(|{_ONE_ID}(,{_ONE_ID})*)$"}
# The words of a list parameter of choices (a status): none is longer, so a longer one is
# refused here, before core's sentence would echo all of it.
WORD = Annotated[str, Field(max_length=40)]
# One User ID of an `id` list as core splits it (core/segments/user_filter.py), and its most
# digits: a longer one is refused here, its echo cut short.
_ID_TOKEN = re.compile(r"[^\s,;]+")


# core/history/dates.py refuses the days it cannot count from (the calendar's first and last
# centuries) in its own words.
DayText = str


def sort_pattern(columns: tuple[str, ...]) -> dict[str, str]:
    """The document's pattern of a sort ("": the default; core also takes other cases)."""
    return {"pattern": f"^(|({'|'.join(columns)})(:(asc|desc))?)$"}


def choices(values: list[str]) -> dict[str, list[str]]:
    """The document's enum of a text parameter (core also takes the words: a superset)."""
    return {"enum": values}


USER_STATUS_CODES = list(words.USER_STATUS)


class Query(BaseModel):
    """A query string: only the parameters named here."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _digits_only(cls, value: Any, info: ValidationInfo) -> Any:
        # A number in a link is written with digits only: Python would also read "1_000",
        # "+1" and " 2 ", and pydantic "1.0", none of which a link should mean.
        field = cls.model_fields.get(info.field_name or "")
        texts = value if isinstance(value, list) else [value]
        if field is not None and _takes_int(field.annotation):
            for text in texts:
                if isinstance(text, str) and not ids.is_digits(text):
                    # Worded as any other text that is no whole number (inputs.field_errors).
                    raise PydanticCustomError("int_parsing", "not digits only")
        return value


def _takes_int(annotation: Any) -> bool:
    """Whether a field takes whole numbers: int, or one or none, or a list of them."""
    if get_origin(annotation) is Annotated:
        return _takes_int(get_args(annotation)[0])
    return annotation is int or any(_takes_int(a) for a in get_args(annotation))


class Paged(Query):
    """Which page of a list, and how long a page is."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description=PAGE_TEXT)


class BatchListQuery(Paged):
    """`GET /batches`: the list's filters and sort, as `batch list` takes them."""

    per_page: int = Field(25, ge=1, le=MAX_PAGE_SIZE, description="batches per page")
    status: list[WORD] = Field(
        default_factory=list,
        json_schema_extra={
            "items": {"type": "string", "maxLength": 40, **choices(list(FILTER_CODES))}
        },
        description="a status as the page words it or as a code (Published, In Progress, "
        "in_progress, Draft, Paused…); repeat for several",
    )
    name: str = Field("", max_length=MAX_SEARCH_LENGTH, description="part of the batch name")
    quest: list[Id] = Field(default_factory=list, description="a badge quest id; repeatable")
    badge: list[Id] = Field(default_factory=list, description="a badge id; repeatable")
    created: DayText | None = Field(
        None, max_length=20, json_schema_extra=DAY_PATTERN, description=f"created {DAY_FILTER}"
    )
    updated: DayText | None = Field(
        None, max_length=20, json_schema_extra=DAY_PATTERN, description=f"last updated {DAY_FILTER}"
    )
    sort: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=sort_pattern(SORT_COLUMNS),
        description="a column, with ':desc' to reverse (e.g. name:desc)",
    )
    tz: str = Field("UTC", max_length=64, description="the time zone of days and times")

    @model_validator(mode="after")
    def _not_too_deep(self) -> BatchListQuery:
        if paging.too_deep(self.page, self.per_page):
            raise ValueError(paging.TOO_DEEP.format(limit=paging.MAX_LISTED_BATCHES))
        return self


class MemberListQuery(Paged):
    """`GET /batches/{batch_id}/users`: one status, paged."""

    per_page: int = Field(250, ge=1, le=MAX_USERS_PER_BATCH, description="users per page")
    status: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=choices(USER_STATUS_CODES),
        description="only users in this status, as a word or a code ("
        + ", ".join(words.USER_STATUS.values())
        + ")",
    )


class UserFilterQuery(Query):
    """The Users page's filters, named as `users list|count` names its options."""

    text: str = Field("", max_length=MAX_SEARCH_LENGTH, description="username or email contains")
    id: list[str] = Field(
        default_factory=list,
        json_schema_extra={"items": {"type": "string", **ID_LIST_PATTERN}},
        description="one of these User IDs; repeatable, or several in one: 12,15,18",
    )
    active: str | None = Field(
        None,
        max_length=5,
        json_schema_extra=choices([*ACTIVE_WORDS, "any"]),
        description="yes (active), no (deactivated) or any",
    )
    registered: DayText | None = Field(
        None, max_length=20, json_schema_extra=DAY_PATTERN, description=f"registered {DAY_FILTER}"
    )
    last_active: DayText | None = Field(
        None, max_length=20, json_schema_extra=DAY_PATTERN, description=f"last active {DAY_FILTER}"
    )
    holds: list[Id] = Field(default_factory=list, description="holds one of these quests")
    lacks: list[Id] = Field(default_factory=list, description="holds none of these quests")
    in_batch: Id | None = Field(None, description="is in this batch")
    in_batch_status: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=choices(USER_STATUS_CODES),
        description="with in_batch: has this status in that batch",
    )
    not_in_batch: Id | None = Field(None, description="is not in this batch")
    tz: str = Field("UTC", max_length=64, description="the time zone of the days and times")

    @field_validator("id")
    @classmethod
    def _no_overlong_id(cls, value: list[str]) -> list[str]:
        for item in value:
            for token in _ID_TOKEN.findall(item):
                if len(token) > ids.MAX_DIGITS:
                    raise ValueError(ids.NOT_AN_ID.format(text=shorten(token)))
        return value


class UserListQuery(UserFilterQuery):
    """`GET /users`: the filters, a sort, a page."""

    sort: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=sort_pattern(USER_SORTS),
        description="a column, with ':desc' or ':asc' (e.g. quests_held:desc)",
    )
    page: int = Field(1, ge=1, le=MAX_PAGE, description=PAGE_TEXT)
    per_page: int = Field(50, ge=1, le=MAX_USER_PAGE_SIZE, description="users per page")


class Counts(BaseModel):
    """A batch's users per status, keyed by the spec's words."""

    model_config = ConfigDict(populate_by_name=True)

    unpublished: int = Field(alias=words.UNPUBLISHED)
    in_progress: int = Field(alias=words.IN_PROGRESS)
    published: int = Field(alias=words.PUBLISHED)
    error: int = Field(alias=words.ERROR)
    revoking: int = Field(alias=words.REVOKING)
    revoked: int = Field(alias=words.REVOKED)


class QuestOut(BaseModel):
    """A badge quest, as `quests --json` lists it."""

    id: int
    badge: str
    quest: str
    archived: bool
    unlocks: int | None = Field(description="how many users hold it")


class QuestList(BaseModel):
    """Every badge quest."""

    items: list[QuestOut]
    total: int


class BatchSummary(BaseModel):
    """A batch as `batch show --json` prints it."""

    id: int
    name: str
    badge: str | None
    quest: str | None
    status: str = Field(description="the status word (' · Paused' when paused), no percentage")
    progress: int = Field(ge=0, le=100)
    paused: bool
    users: int
    counts: Counts


class BatchRow(BatchSummary):
    """A batch as `batch list --json` lists it, and who created it."""

    created_at: datetime
    updated_at: datetime
    created_by: str


class BatchList(BaseModel):
    """One page of the batch list, and how many batches match in all."""

    items: list[BatchRow]
    total: int
    page: int = Field(description="the page asked for (past the end: `items` is empty)")
    per_page: int


class ErrorReason(BaseModel):
    """Why some users of a batch are in Error, and how many."""

    reason: str
    users: int


class BatchDetail(BatchSummary):
    """A batch: `batch show --json`'s keys and what `batch show` prints beside them."""

    quest_id: int
    version: int = Field(description="the batch's version, also its ETag")
    created_by: str
    created_at: datetime
    updated_at: datetime
    paused_by: str | None
    paused_at: datetime | None
    queue_position: int | None = Field(description="its place in the publishing queue")
    publisher_paused: str | None = Field(description="a queued batch: the publisher's pause")
    error_reasons: list[ErrorReason]


class Member(BaseModel):
    """A user of a batch, as `batch users --json` lists them."""

    user_id: int
    username: str
    email: str | None
    status: str
    error_reason: str | None
    added_via: str | None
    added_at: datetime | None
    revoke_reason: str | None
    revoked_by: str | None
    revoked_at: datetime | None
    kept_by_batch: int | None


class MemberList(BaseModel):
    """One page of a batch's users."""

    items: list[Member]
    total: int
    page: int
    per_page: int


class PlatformUserOut(BaseModel):
    """A platform user, as `users list --json` lists them."""

    id: int
    username: str
    email: str | None
    active: bool
    registered_at: datetime | None
    last_active_at: datetime | None
    quests_held: int


class UserList(BaseModel):
    """One page of the matching users."""

    items: list[PlatformUserOut]
    total: int = Field(description="how many match, counted up to 100,000 (100,001: more)")
    total_capped: bool = Field(description="more than 100,000 match (use /users/count)")
    page: int
    per_page: int


class UserCount(BaseModel):
    """How many users match, as `users count --json` prints it."""

    count: int


class FieldError(BaseModel):
    """One parameter or field that cannot be used."""

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An error (RFC 9457): `detail` is the sentence the app shows, saying what to do."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(None, description="422: each field refused")
    retry_after: int | None = Field(None, description="429: seconds to wait")
