"""The Users page's reads on PostgreSQL alone: the plan for many matches (read in the sort's index
order) and the one for few (found by the filters' indexes, then sorted) give the same pages."""

from __future__ import annotations

import pytest

from core.segments.user_filter import USER_SORTS, UserFilter
from core.store.postgres import users as pg_users
from tests.store.test_user_search import ids, people  # noqa: F401 (the fixture)
from tests.support.batch_list import VISIT_10


@pytest.mark.parametrize("sort", USER_SORTS)
@pytest.mark.parametrize("desc", [False, True])
def test_both_page_plans_give_the_same_rows(people, monkeypatch, sort, desc) -> None:  # noqa: F811
    filters = [UserFilter(), UserFilter(active=True, lacks=[VISIT_10]), UserFilter(text="odd")]
    for f in (flt.changed(sort=sort, desc=desc) for flt in filters):
        few = ids(people, f)
        pages = [people.users.search(f, "UTC", 3, offset)[0]["id"].to_list() for offset in (0, 3)]
        monkeypatch.setattr(pg_users, "_FEW", -1)
        assert ids(people, f) == few
        assert [
            people.users.search(f, "UTC", 3, offset)[0]["id"].to_list() for offset in (0, 3)
        ] == pages
        assert pages[0] + pages[1] == few[:6]
        monkeypatch.setattr(pg_users, "_FEW", 50_000)
