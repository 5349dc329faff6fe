"""The API's reads: quests, batches, a batch, its users, platform users (issue 17).

Each handler builds the value core already shares with the page and the CLI (`BatchFilter`,
`MemberQuery`, `UserFilter`), calls the core read that checks the viewer, and answers the CLI's
--json objects (core/api/shapes.py) in `{"items", "total", …}`.
"""

from __future__ import annotations

from typing import Any

from core.api import shapes
from core.batches import members, read_model
from core.catalog import badge_tree
from core.history import listing
from core.history.terms import parse_sort
from core.history.view import BatchFilter
from core.segments import segment
from core.segments.user_filter import UserFilter, parse_id_list, parse_user_sort
from pages.web.api import models
from pages.web.api.framework import Call, Endpoint, Reply, etag


def paged(rows: list[dict], total: int, shown: int, asked: int, per_page: int) -> dict[str, Any]:
    """A page as asked: core answers the last page for one past the end (as the pages show it),
    the API answers no items there, so a client paging until `items` is empty stops."""
    return {
        "items": rows if shown == asked else [],
        "total": total,
        "page": asked,
        "per_page": per_page,
    }


def quests(call: Call) -> dict[str, Any]:
    """Every badge quest, archived ones included, as `quests --json`."""
    rows = [shapes.quest_row(row) for row in badge_tree.quest_rows(call.uow)]
    return {"items": rows, "total": len(rows)}


def batches(call: Call) -> dict[str, Any]:
    """One page of the batch list, filtered and sorted as `batch list` and the page do."""
    q: models.BatchListQuery = call.query
    sort, desc = parse_sort(q.sort) if q.sort else (None, None)
    flt = BatchFilter(
        statuses=q.status,
        name=q.name,
        quest_ids=q.quest,
        badge_ids=q.badge,
        created=q.created,
        updated=q.updated,
        page=q.page,
        page_size=q.per_page,
        **({"sort": sort, "desc": desc} if sort else {}),
    )
    page = listing.list_batches(call.uow, call.account, flt, q.tz)
    rows = [shapes.batch_row_api(row) for row in page.rows.to_dicts()]
    return paged(rows, page.total, page.page, q.page, page.page_size)


def batch(call: Call) -> Reply:
    """One batch the viewer may see, with its version as the ETag."""
    found = read_model.get_batch(call.uow, call.path["batch_id"], call.account)
    return Reply(shapes.batch_detail(call.uow, found), headers={"ETag": etag(found.version)})


def batch_users(call: Call) -> dict[str, Any]:
    """One page of a batch's users, in the order they came, one status or all."""
    q: models.MemberListQuery = call.query
    query = members.MemberQuery(status=q.status, page=q.page, page_size=q.per_page)
    page = members.list_members(call.uow, call.account, call.path["batch_id"], query)
    rows = [shapes.member_row(row) for row in page.rows.iter_rows(named=True)]
    return paged(rows, page.total, page.page, q.page, page.page_size)


def user_filter(q: models.UserFilterQuery, **values: Any) -> UserFilter:
    """The Users page's filter from the query's parameters (core's parsers refuse bad values)."""
    return UserFilter(
        text=q.text,
        ids=sorted({i for given in q.id for i in parse_id_list(given)}),
        active=q.active,
        registered=q.registered,
        last_active=q.last_active,
        holds=q.holds,
        lacks=q.lacks,
        in_batch=q.in_batch,
        in_batch_status=q.in_batch_status,
        not_in_batch=q.not_in_batch,
        **values,
    )


def users(call: Call) -> dict[str, Any]:
    """One page of the matching platform users, counted as the Users page counts them."""
    q: models.UserListQuery = call.query
    sort = dict(zip(("sort", "desc"), parse_user_sort(q.sort), strict=True)) if q.sort else {}
    flt = user_filter(q, page=q.page, page_size=q.per_page, **sort)
    page = segment.find_users(call.uow, call.account, flt, q.tz)
    rows = [shapes.user_row(row) for row in page.rows.to_dicts()]
    answer = paged(rows, page.total, page.filter.page, q.page, page.filter.page_size)
    return {**answer, "total_capped": page.more_than}


def user_count(call: Call) -> dict[str, int]:
    """How many platform users match, counted exactly, as `users count --json`."""
    q: models.UserFilterQuery = call.query
    return {"count": segment.count_users(call.uow, call.account, user_filter(q), q.tz)}


BATCH_ID = "/batches/{batch_id}"

READ_ENDPOINTS = [
    Endpoint(
        "GET", "/quests", "List every badge quest", quests,
        response_model=models.QuestList,
        description="Every badge quest with its badge, whether it is archived and how many users "
        "hold it: the `id` is the `quest_id` other endpoints take. As `python -m core quests "
        "--json`.",
    ),
    Endpoint(
        "GET", "/batches", "List batches", batches,
        query_model=models.BatchListQuery, response_model=models.BatchList,
        description="The Batch unlock list with its filters and sort, paged, with the total. "
        "Drafts of others are listed to admins only. Items as `python -m core batch list "
        "--json` prints them, and `created_by`.",
    ),
    Endpoint(
        "GET", BATCH_ID, "Show a batch", batch,
        response_model=models.BatchDetail, errors=(404,), headers=("ETag",),
        description="One batch as `python -m core batch show --json` prints it, with its queue "
        "place, pause and error reasons. The `ETag` header is its version: send it back as "
        "`If-Match` with a write so that it is refused (412) if the batch changed meanwhile. "
        "Someone else's draft answers 404 as a missing id does.",
    ),
    Endpoint(
        "GET", BATCH_ID + "/users", "List a batch's users", batch_users,
        query_model=models.MemberListQuery, response_model=models.MemberList, errors=(404,),
        description="A batch's users in the order they were added, one status or all, paged. "
        "Items as `python -m core batch users --json` lists them.",
    ),
    Endpoint(
        "GET", "/users", "List platform users", users,
        query_model=models.UserListQuery, response_model=models.UserList, errors=(404,),
        description="The Users page's filters (all combine), sort and page. The total is counted "
        "up to 100,000 as the page counts it; `/users/count` counts exactly. Items as "
        "`python -m core users list --json` lists them.",
    ),
    Endpoint(
        "GET", "/users/count", "Count platform users", user_count,
        query_model=models.UserFilterQuery, response_model=models.UserCount, errors=(404,),
        description="How many platform users match the filters, as `python -m core users count "
        "--json`.",
    ),
]  # fmt: skip
