"""`--url` writes: `batch create|add|publish|retry|cancel|pause|resume|revoke` through the API.

Files are read (and refused) locally as the local command reads them, then sent as they are; a
`batch create|add` sends all its files and User IDs in one request, which the API does in one
transaction as `core.batches.cli_fill` does locally. The client gives every write its own
`Idempotency-Key` (core/cli/remote.py).
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from core.batches.row_status import OK, STATUSES
from core.cli import batch_create as local_fill
from core.cli import batch_publish as local_publish
from core.cli import batch_revoke as local_revoke
from core.cli import remote_json
from core.cli.output import print_json
from core.cli.remote import Client
from core.errors import InputError


def batch_create(args: argparse.Namespace, api: Client) -> int:
    """`batch create`: the draft and its users in one request; the id on stdout, the report on
    stderr."""
    _refuse_from_users(args)
    if args.split:
        raise InputError(local_fill.SPLIT_NEEDS_FROM_USERS)
    body: dict[str, Any] = {"name": args.name, "quest_id": args.quest}
    if args.csv or args.user:
        body.update(_sources(args))
    created = api.post("/batches", body)
    if args.json:
        print_json({"id": created["id"]})
    else:
        print(created["id"])
    _report(created, sys.stderr)
    return 0


def batch_add(args: argparse.Namespace, api: Client) -> int:
    """`batch add`: the files and users into the batch in one request, and what went in."""
    _refuse_from_users(args)
    if not args.csv and not args.user:
        raise InputError(local_fill.SAY_WHAT_TO_ADD)
    added = api.post(f"/batches/{args.batch_id}/users", _sources(args))
    files = added.get("files") or []
    if args.json:
        print_json(
            {
                "id": added["id"],
                "added": added["added"],
                "files": [
                    {"file": f["file"], "added": f["added"], **{st: f[st] for st in STATUSES}}
                    for f in files
                ],
                "users": [u["user_id"] for u in added.get("added_users") or []],
            }
        )
    else:
        print(local_fill.added_line(added["added"], added["id"]))
        _report(added, sys.stdout)
    return 0


def _refuse_from_users(args: argparse.Namespace) -> None:
    """Refuse --from-users (no API for it) and filters without it, as locally."""
    from core.cli.user_filter_args import any_filter_given

    if args.from_users:
        raise InputError(
            "--from-users does not run with --url: choose the users on the app's Users page, or "
            "run it where the store is."
        )
    if any_filter_given(args):
        raise InputError(local_fill.FILTERS_NEED_FROM_USERS)


def _sources(args: argparse.Namespace) -> dict:
    """The files (their bytes, as read from disk) and User IDs to add, as one request's body."""
    files = []
    for name in args.csv:
        data = _file_bytes(name)
        files.append(
            {"filename": Path(name).name, "content_base64": base64.b64encode(data).decode()}
        )
    return {"files": files, "user_ids": list(args.user)}


def _report(answer: dict, out: Any) -> None:
    """Say per file what was skipped, then each single add (as core/cli/batch_create.py does)."""
    for f in answer.get("files") or []:
        groups: dict[str, list[int]] = {}
        for row in f.get("details") or []:  # the rows not added as they are, in row order
            if row["status"] != OK:
                groups.setdefault(row["status"], []).append(row["row"])
        print(local_fill.file_line(f["file"], f["added"], groups.items()), file=out)
    for user in answer.get("added_users") or []:
        print(user["message"], file=out)


def batch_publish(args: argparse.Namespace, api: Client) -> int:
    """`batch publish`: queue the batch; the app's publisher takes it."""
    answer = api.post(f"/batches/{args.batch_id}/publish")
    if args.json:
        print_json(remote_json.shown(answer))
    else:
        print(answer["message"])
        if answer.get("position"):
            print(local_publish.PUBLISH_IT_NOW)
    return 0


def batch_retry(args: argparse.Namespace, api: Client) -> int:
    """`batch retry`: requeue the users in Error (those who can succeed now, unless --all)."""
    answer = api.post(f"/batches/{args.batch_id}/retry", {"all": bool(args.all)})
    print(answer["message"])
    if answer.get("failing_message") and not args.all:
        print(answer["failing_message"])
        print(local_publish.USE_ALL)
    if answer.get("queued"):
        print(local_publish.PUBLISH_THEM_NOW)
    return 0


def batch_undo(args: argparse.Namespace, api: Client) -> int:
    """`batch cancel|pause|resume`."""
    answer = api.post(f"/batches/{args.batch_id}/{args.undo_action}")
    if args.json:
        print_json(remote_json.shown(answer))
    else:
        print(answer["message"])
    return 0


def batch_revoke(args: argparse.Namespace, api: Client) -> int:
    """`batch revoke`: the preview (--dry-run) or the request, printed as locally."""
    if not args.dry_run and args.reason is None:
        raise InputError(local_revoke.REASON_REQUIRED)
    path = f"/batches/{args.batch_id}/revoke"
    query = {"dry_run": bool(args.dry_run)}
    if args.csv is not None:
        data = _file_bytes(args.csv)
        query |= {"reason": args.reason, "filename": Path(args.csv).name}
        answer = api.post(path, query=query, data=data, content_type=_file_type(args.csv))
    else:
        body = {
            **_revoke_whom(args),
            **({"reason": args.reason} if args.reason is not None else {}),
        }
        answer = api.post(path, body, query=query)
    if args.dry_run:
        preview = SimpleNamespace(
            batch_id=answer["id"],
            batch_name=answer["name"],
            quest_label=answer["quest"],
            counts={key: answer[key] for key in local_revoke.COUNT_KEYS},
            question=answer["question"],
            details=_Rows(answer["details"]),
        )
        local_revoke.print_preview(preview, args.json, has_reason=args.reason is not None)
        return 0
    if args.json:
        print_json(
            {
                "id": answer["id"],
                "dry_run": False,
                "requested": answer["requested"],
                "kept": answer["kept"],
                "status": answer["revoke_status"],
                "message": answer["message"],
            }
        )
    else:
        print(answer["message"])
        print(local_revoke.REVOKE_THEM_NOW)
    return 0


def _revoke_whom(args: argparse.Namespace) -> dict:
    """--all, or the --user values as the local command reads them (the same refusals)."""
    whom = local_revoke.target(args)  # --csv is sent as it is, above
    if whom.all_users:
        return {"all": True}
    if whom.lookup is not None:
        return {"lookup": whom.lookup}
    return {"user_ids": list(whom.user_ids)}


class _Rows:
    """JSON rows where the preview's printer reads a frame's rows."""

    def __init__(self, rows: list[dict]) -> None:
        self._rows = rows

    def iter_rows(self, named: bool = True) -> list[dict]:
        """The rows, as dicts."""
        return list(self._rows)


def _file_bytes(name: str) -> bytes:
    """A user list file's bytes, read locally first so a missing, too large or unreadable file
    is refused before any request, in the local command's words."""
    from core.upload.intake import read_upload_file

    read_upload_file(name)
    return Path(name).read_bytes()


def _file_type(name: str) -> str:
    """The Content-Type a user list file is sent with (the server reads either)."""
    if name.lower().endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "text/csv"
