"""How many platform users a Users-page filter matches on PostgreSQL: exactly, or up to a bound.

The page counts up to 100,000 (every action on a list is bounded there), so a count may stop
once it has found one more; the plan decides whether it can. The planner does not know that a
LIMIT will stop it early, so each bounded count gets the settings (SET LOCAL, undone after)
that let it stop, and some are read from the holders of their "holds" quests instead of the
users (`driven_sql`). Statements are constant text; values travel as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.store.postgres import users_search_sql as search_sql
from core.store.postgres.base import Repository

if TYPE_CHECKING:
    from core.segments.user_filter import UserFilter

# Planner settings for a bounded count that should stop at its bound (the last one alone for
# every bounded count: see count).
_STREAMED = ("enable_hashjoin = off", "max_parallel_workers_per_gather = 0", "jit = off")
# A bounded count with hash joins: room for a quest's holders (a million ids) in one batch. A
# hash join split into batches reads its whole outer side before it returns the rows of its
# later batches, so the LIMIT cannot stop the scan early (all at once at 10M: 1.9 -> 1.2 s).
_HASHED = ("jit = off", "work_mem = '64MB'")
# Text beside "holds": the text's trigram bitmap and that of m013's list (half a million users
# each for smith + holds 2 at 10M) are combined exactly, in memory; at the default 4MB both turn
# lossy and the heap scan rechecks every row of 152,000 pages (2.4 s; exact: 0.4 s).
_LISTED = ("jit = off", "work_mem = '64MB'")
# The count read from the holders: for up to this many "holds" quests (a branch each), with no
# hash join (it would read every holder before the first match) and one process (a parallel
# plan starts reading everywhere at once).
_DRIVEN_QUESTS = 8
_DRIVEN = _STREAMED
# Beside a date filter (no text), the holders are filtered first, then looked up: no bitmap and
# no memo of the lookups (each holder's user is one index lookup, never asked twice), and room
# to sort the holders of a "does not hold" quest newest first in memory (246,000 at 10M: the
# planner reads that index forwards, then sorts; on disk 40 ms, in memory under 20).
_FILTERED = (*_DRIVEN, "enable_bitmapscan = off", "enable_memoize = off", "work_mem = '64MB'")

# The holders of each quest, estimated without reading them: the quest's share of the unlocks in
# the planner's statistics (ANALYZE keeps up to 100 most common quests; one missing from them is
# rare, taken as none) times the unlocks' row estimate. Only orders branches and picks a plan.
HOLDER_ESTIMATES_SQL = """
    SELECT m.quest::int, (m.share * greatest(c.reltuples, 0))::bigint
    FROM pg_stats s
    CROSS JOIN LATERAL unnest(s.most_common_vals::text::int[], s.most_common_freqs)
        AS m(quest, share)
    CROSS JOIN pg_class c
    WHERE s.schemaname = current_schema() AND s.tablename = 'unlocks' AND s.attname = 'quest_id'
      AND c.oid = 'unlocks'::regclass AND m.quest = ANY(%(quests)s::int[])
"""


class UserCounter(Repository):
    """The counts behind `PgUsers.count`."""

    def count(self, f: UserFilter, tz: str, up_to: int | None) -> int:
        """How many users match the filter (up to `up_to + 1` when given)."""
        sql, params = count_sql(f, tz, up_to)
        if f.text and f.holds:
            return self._with_settings(_LISTED, sql, params)
        if up_to is None:
            return int(self.scalar(sql, params))
        driven = self.driven_count(f, tz, up_to)
        if driven is not None:
            return driven
        # Bounded, with "holds none of": the planner hashes the unlocks and probes all 10M
        # users with them (2-4 s), not knowing the count stops at the bound. Merge joins in id
        # order stop there (~0.4 s for a semi and an anti join over half a million users).
        # Not with a date filter: its matches may sit at the far end of the id order, which the
        # merge would walk to (a few thousand recent users: 0.1 s hashed, 0.4 s merged).
        # Any bounded count: compiling it (JIT, 25-50 ms) costs more than it saves. Otherwise
        # the hash joins get the memory to stay in one batch, so they too stop at the bound;
        # not with text (beside "holds" it is counted above): the memory makes an exact
        # trigram bitmap look cheap, and the planner then reads every candidate of a common
        # text before the joins (smith + holds 40, before m013: 0.4 -> 1.7 s).
        dated = bool(f.registered or f.last_active)
        streamed = bool(f.lacks) and not f.text and not dated
        settings = _STREAMED if streamed else _HASHED if not f.text else _STREAMED[-1:]
        return self._with_settings(settings, sql, params)

    def driven_count(self, f: UserFilter, tz: str, up_to: int) -> int | None:
        """The bounded count read from the holders of f's "holds" quests, when that is cheaper
        than the planner's own plan (None: it is not; `count` then counts as it always did).

        Cheaper beside a date filter (the matches may sit at one end of the id order: recent
        users) when more users pass the users' own conditions than hold the quests (the
        planner's estimates of both), or with several "holds" quests (the planner filters every
        unlock, or sorts the holders first). Not beside pasted ids or a batch: those are fewer
        still, and the planner starts from them; nor beside text, whose candidates are matched
        with m013's list of quests held (search_sql.conditions), not with the holders.
        """
        if not f.holds or len(f.holds) > _DRIVEN_QUESTS or f.ids or f.in_batch is not None:
            return None
        if f.text:
            return None
        dated = bool(f.registered or f.last_active)
        if not (dated or len(f.holds) > 1):
            return None  # one quest alone: the merge in id order stops at the bound (0.2 s)
        holders = self.holder_estimates(f.holds)
        if dated and self.users_estimate(f, tz) < sum(holders.values()):
            return None  # e.g. users registered in the last weeks: the date index finds them
        quests = sorted(f.holds, key=lambda q: (-holders.get(q, 0), q))
        # Users get their ids at sign-up, so those registered after a day are the newest ones.
        newest_first = f.registered is not None and f.registered.op == ">"
        if dated:
            sql, params = filtered_holders_sql(f, tz, up_to, quests, newest_first)
            return self._with_settings(_FILTERED, sql, params)
        sql, params = driven_sql(f, tz, up_to, quests, newest_first)
        return self._with_settings(_DRIVEN, sql, params)

    def holder_estimates(self, quests: Sequence[int]) -> dict[int, int]:
        """Each quest's holders as the planner's statistics estimate them (missing: none)."""
        rows = self.rows(HOLDER_ESTIMATES_SQL, {"quests": list(quests)})
        return {int(quest): int(n) for quest, n in rows}

    def users_estimate(self, f: UserFilter, tz: str) -> float:
        """How many users the planner expects to pass f's conditions on their own columns (text,
        ids, active, dates), from its plan (EXPLAIN: no row read)."""
        clauses, params = search_sql.conditions(f, tz, joins=False)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        plan = self.scalar(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM platform_users p {where}", params)
        return float(plan[0]["Plan"]["Plan Rows"])

    def _with_settings(self, settings: tuple[str, ...], sql: str, params: dict) -> int:
        """Run a count under planner settings (constant SET LOCAL text), then undo them."""

        names = [setting.split(" = ")[0] for setting in settings]

        def work(_: object) -> int:
            # SET LOCAL lasts to the end of the transaction, which may be the caller's: put back
            # what was set before (the caller's own SET LOCAL included) once the count is read.
            # A failed count aborts the transaction, whose rollback undoes the settings anyway,
            # so nothing is reset then (a reset would hide the failure, e.g. a 40001 to retry).
            saved = self.rows("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
            for setting in settings:
                self.rows(f"SET LOCAL {setting}")
            found = int(self.scalar(sql, params))
            for name, value in zip(names, saved[0], strict=True):
                self.rows("SELECT set_config(%s, %s, true)", [name, value])
            return found

        return self._uow.transaction(work)


def count_sql(f: UserFilter, tz: str, up_to: int | None = None) -> tuple[str, dict[str, object]]:
    """How many users match; with `up_to`, counted up to `up_to + 1` only (bounded work)."""
    where, params = search_sql.where_sql(f, tz)
    if up_to is None:
        return f"SELECT count(*) FROM platform_users p {where}", params
    sql = f"SELECT count(*) FROM (SELECT 1 FROM platform_users p {where} LIMIT %(cap)s) t"
    return sql, {**params, "cap": up_to + 1}


def driven_sql(
    f: UserFilter, tz: str, up_to: int, quests: list[int], newest_first: bool
) -> tuple[str, dict[str, object]]:
    """A bounded count read from the holders of f's "holds" quests (`quests`, in that order).

    One branch per quest, each the quest's holders in user_id order off unlocks (quest_id,
    user_id), newest first when `newest_first`, each joined to their users and the other
    filters; a branch leaves out the holders of the quests before it, so the branches are
    disjoint and the total counts each user once. The LIMIT stops the first branch as soon as
    it has found `up_to + 1` (the largest quest comes first). Without it the planner reads the
    users in id order and looks each one up among the holders: with a date filter the matches
    sit past millions of others (all at once at 10M: 0.7 s), with text it reads every user's
    names (text and holds: 1.2 s).
    """
    clauses, params = search_sql.conditions(f, tz, holds=False)
    direction = "DESC" if newest_first else "ASC"
    branches = []
    for i, quest in enumerate(quests):
        where = list(clauses)
        # The holders of each quest before this one, left out: an equality each, so each anti
        # join reads that quest's holders in user_id order (`= ANY` would sort them first).
        where += [
            "NOT EXISTS (SELECT 1 FROM unlocks y "
            f"WHERE y.user_id = p.id AND y.quest_id = %(drive_{j})s::int)"
            for j in range(i)
        ]
        params[f"drive_{i}"] = quest
        condition = ("WHERE " + "\n  AND ".join(where)) if where else ""
        branches.append(
            f"""SELECT 1 FROM (
                SELECT x.user_id FROM unlocks x WHERE x.quest_id = %(drive_{i})s::int
                ORDER BY x.user_id {direction}
            ) h JOIN platform_users p ON p.id = h.user_id
            {condition}"""
        )
    union = "\nUNION ALL\n".join(branches)
    return f"SELECT count(*) FROM ({union}\nLIMIT %(cap)s) t", {**params, "cap": up_to + 1}


def filtered_holders_sql(
    f: UserFilter, tz: str, up_to: int, quests: list[int], newest_first: bool
) -> tuple[str, dict[str, object]]:
    """driven_sql's count beside a date filter (no text): the same disjoint branches in the same
    order, but the conditions on other tables ("does not hold", batches, the earlier quests) are
    put on the holders themselves, so each is an anti join of two lists in user_id order (a
    merge, no probe per holder); only the holders left are looked up among the users, one at a
    time (a LATERAL subquery with OFFSET 0 is never turned into a join that would read the users
    in id order), by m012's index by User ID, which carries the dates and the active flag: the
    index alone, no table page per holder (all at once at 10M: 336 -> 161 ms at load 1).
    """
    own, params = search_sql.conditions(f, tz, joins=False)
    direction = "DESC" if newest_first else "ASC"
    users = "\n    AND ".join(["p.id = h.user_id", *own])
    branches = []
    for i, quest in enumerate(quests):
        where = [f"x.quest_id = %(drive_{i})s::int"]
        # The holders of each quest before this one, left out: an equality each, so each anti
        # join reads that quest's holders in user_id order (`= ANY` would sort them first).
        where += [
            "NOT EXISTS (SELECT 1 FROM unlocks y "
            f"WHERE y.user_id = x.user_id AND y.quest_id = %(drive_{j})s::int)"
            for j in range(i)
        ]
        where += search_sql.join_conditions(f, "x.user_id", params)
        params[f"drive_{i}"] = quest
        condition = "\n      AND ".join(where)
        branches.append(
            f"""SELECT 1 FROM (
                SELECT x.user_id FROM unlocks x
                WHERE {condition}
                ORDER BY x.user_id {direction}
            ) h CROSS JOIN LATERAL (
                SELECT 1 FROM platform_users p
                WHERE {users}
                OFFSET 0
            ) u"""
        )
    union = "\nUNION ALL\n".join(branches)
    return f"SELECT count(*) FROM ({union}\nLIMIT %(cap)s) t", {**params, "cap": up_to + 1}
