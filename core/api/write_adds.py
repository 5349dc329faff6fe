"""Creating and filling batches through the API (issue 17): a list previewed or added as the upload
dialog adds it, or several lists and User IDs in one transaction as `batch create|add` does."""

from __future__ import annotations

from collections.abc import Sequence

from core import words
from core.access.roles import Account, Permission, require
from core.api.write_checks import (
    Conflict,
    batch_object,
    stale_as_precondition,
    state_as_conflict,
    visible,
)
from core.batches import add_file, cli_fill, guard, matching, membership
from core.batches.errors import NotEditable
from core.batches.preview import Preview
from core.errors import InputError, NotFound
from core.store.ports import UnitOfWork
from core.upload.user_list import Upload

# How API adds are recorded ("Added via", membership.ADDED_VIA): a list sent to the API is "api";
# several lists and User IDs at once are what `batch create|add --url` sends: "cli", as locally.
VIA = "api"
FILL_VIA = "cli"


def create_batch(
    uow: UnitOfWork,
    actor: Account,
    name: str,
    quest_id: int,
    uploads: Sequence[Upload] = (),
    user_ids: Sequence[str] = (),
    added_via: str = VIA,
) -> dict:
    """Create a draft and add the uploads' good rows and the User IDs, all in one transaction.

    As `batch create` does (core.batches.cli_fill): a User ID that cannot be added refuses the
    whole request. The answer is the batch with "report" (the first upload's add answer, see
    add_users, or None) and the fill's "added", "files" and "added_users" (see fill_answer).
    """
    try:
        result = cli_fill.create_batch(
            uow, actor, name, quest_id, list(uploads), list(user_ids), added_via=added_via
        )
    except NotFound as exc:
        # The quest is named in the body, not the path: a request to fix, not a missing page.
        raise InputError(str(exc)) from exc
    fill = fill_answer(result)
    return {**batch_object(uow, result.batch_id), "report": (fill["files"] or [None])[0], **fill}


def fill_batch(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    uploads: Sequence[Upload] = (),
    user_ids: Sequence[str] = (),
    expected: int | None = None,
) -> dict:
    """Add uploads and User IDs to a batch in one transaction, as `batch add` does."""
    require(actor, Permission.EDIT_BATCHES)
    if not uploads and not user_ids:
        raise InputError("Say what to add: give at least one file, User ID or row.")
    visible(uow, actor, batch_id)
    matching.sync_user_index(uow)  # its own write: before the transaction opens

    def write(u: UnitOfWork) -> cli_fill.FillResult:
        guard.current(u, actor, batch_id, "add users to", expected)
        return cli_fill.add_to_batch(u, actor, batch_id, list(uploads), list(user_ids), FILL_VIA)

    with stale_as_precondition(uow, batch_id), state_as_conflict(NotEditable):
        result = uow.transaction(write)
    return {"id": batch_id, **fill_answer(result)}


def fill_answer(result: cli_fill.FillResult) -> dict:
    """What a fill did: users added in all, each upload's add answer, each User ID's user."""
    files = []
    for done in result.files:
        answer = _preview_answer(done.preview, dry_run=False, added=done.added)
        files.append({"file": done.preview.filename, **answer, "message": done.message})
    users = [
        {"user_id": user.user_id, "username": user.username, "message": user.message}
        for user in result.users
    ]
    return {"added": result.added, "files": files, "added_users": users}


def add_users(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    upload: Upload,
    *,
    dry_run: bool = False,
    expected: int | None = None,
) -> dict:
    """Preview an upload for a batch and add its good rows unless `dry_run`; answer the preview.

    The answer holds `preview --json`'s keys (counts by row status, per-row status and message)
    with the batch id, whether it was a dry run, how many users were added and a sentence.
    """
    require(actor, Permission.EDIT_BATCHES)
    visible(uow, actor, batch_id)
    with stale_as_precondition(uow, batch_id):
        if dry_run:
            return _dry_run_add(uow, actor, batch_id, upload, expected)
        with state_as_conflict(NotEditable):
            done = add_file.add_upload(uow, actor, batch_id, upload, VIA, expected)
    answer = _preview_answer(done.preview, dry_run=False, added=done.added)
    return {"id": batch_id, **answer, "message": done.message}


def _dry_run_add(
    uow: UnitOfWork, actor: Account, batch_id: int, upload: Upload, expected: int | None
) -> dict:
    """The preview the upload dialog shows before "Upload": nothing is written but the index."""
    try:
        batch = membership.open_to_add(uow, actor, batch_id, expected)  # checks, writes nothing
    except NotEditable as exc:
        raise Conflict(str(exc)) from None
    preview = matching.preview(uow, upload, batch.quest_id, batch.id)
    answer = _preview_answer(preview, dry_run=True, added=0)
    return {"id": batch_id, **answer, "message": _dry_run_message(preview)}


def _preview_answer(preview: Preview, *, dry_run: bool, added: int) -> dict:
    """The preview's keys (`preview --json`) after dry_run and added."""
    return {"dry_run": dry_run, "added": added, **preview.as_dict()}


def _dry_run_message(preview: Preview) -> str:
    """Say what adding would do, changing nothing: the limit's refusal first, if any."""
    if preview.limit_message:
        return preview.limit_message
    would = words.count(preview.users_to_add, "user")
    text = f"Nothing was changed (dry run): {would} would be added."
    not_added = preview.not_added_text()
    if not_added:
        text += f" Rows not added: {not_added}."
    return text
