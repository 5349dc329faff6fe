"""The demo's users' dates: registered before their first batch, active after registering, all
from the seed (core/demo/generate.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from core.demo import content, generate

NOW = datetime(2026, 11, 1, tzinfo=UTC)
N_USERS = 3000


def demo_users(seed: int, first_id: int = 1, n: int = N_USERS) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The demo's users with their dates, and its batch members, as the loader makes them."""
    planned = generate.batches([1, 2, 3, 4], N_USERS, seed, NOW).with_row_index("id", offset=1)
    planned = planned.with_columns(pl.col("id").cast(pl.Int64))
    members, _unlocks, _gone = generate.members(planned, 1, N_USERS, seed)
    firsts = generate.first_added(members)
    people = generate.with_dates(generate.users(n, seed, first_id), seed, NOW, firsts)
    return people, members


def test_demo_users_register_before_their_first_batch_and_are_active_after_registering() -> None:
    people, members = demo_users(seed=3)
    assert (
        people.schema["registered_at"]
        == people.schema["last_active_at"]
        == pl.Datetime("us", "UTC")
    )
    joined = members.join(people, left_on="user_id", right_on="id")
    assert joined.height == members.height > 0
    assert joined.filter(pl.col("registered_at") >= pl.col("added_at")).height == 0
    # A member was active since being added: no member is "never active".
    assert joined["last_active_at"].null_count() == 0
    assert people.filter(pl.col("last_active_at") < pl.col("registered_at")).height == 0
    start = NOW - timedelta(days=365 * content.REGISTERED_YEARS)
    assert people["registered_at"].min() >= start
    assert people["registered_at"].max() <= NOW and people["last_active_at"].max() <= NOW
    # Believable: registrations over the years, most active lately, a few never.
    years = people["registered_at"].dt.year().unique().len()
    assert years >= 3
    recent = people.filter(pl.col("last_active_at") > NOW - timedelta(days=90)).height
    never = people["last_active_at"].null_count()
    assert recent > 0.7 * N_USERS
    assert 0 < never < 0.1 * N_USERS


def test_demo_dates_are_the_same_for_one_seed_and_for_users_made_in_parts() -> None:
    whole, _ = demo_users(seed=5)
    assert whole.equals(demo_users(seed=5)[0])
    dates = ["registered_at", "last_active_at"]
    assert not whole.select(dates).equals(demo_users(seed=6)[0].select(dates))
    parts = pl.concat([demo_users(5, 1, 1000)[0], demo_users(5, 1001, N_USERS - 1000)[0]])
    assert whole.equals(parts)
