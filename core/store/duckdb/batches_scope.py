"""The draft-visibility rule (core.batches.visibility) as one SQL predicate for DuckDB reads."""

from __future__ import annotations

from core.batches.visibility import DraftScope


def visible_sql(scope: DraftScope, alias: str = "b") -> tuple[str, dict[str, object]]:
    """Return a WHERE predicate on the batches row `alias` and its named parameters.

    The same rule as `DraftScope.sees`: non-drafts are visible, drafts to their creator or to
    an account that sees every draft. `alias` is a constant of the caller's SQL, never user text.
    """
    sql = f"({alias}.status <> 'draft' OR $scope_all_drafts OR {alias}.created_by = $scope_viewer)"
    return sql, {"scope_all_drafts": scope.all_drafts, "scope_viewer": scope.viewer}
