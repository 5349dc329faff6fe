"""The admins' side of webhooks: add (a secret made and shown once), list, remove, send a test
event, and the recent deliveries. Every call checks `Permission.MANAGE_WEBHOOKS`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from core import words
from core.access.roles import Account, Permission, require
from core.audit import Action, record
from core.errors import DuplicateKey, InputError, NotFound
from core.store.ports import UnitOfWork
from core.webhooks import events, targets

MAX_URL_LENGTH = 2000
MAX_WEBHOOKS = 50  # active at once: each event is one delivery per webhook
RECENT = 50  # deliveries listed by default
SECRET_PREFIX = "whsec_"  # noqa: S105 - the shape of secrets, not a secret
ADD_ATTEMPTS = 3  # an add that met another at the same moment looks again, afresh
MASK = "****"  # a password in a URL, as admins see it


@dataclass(frozen=True)
class Webhook:
    """A registered URL and the events it is told about."""

    id: int
    url: str  # as admins see it (`shown_url`): a password in it masked
    events: tuple[str, ...]
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One event for one webhook, with its last attempt."""

    id: int
    webhook_id: int
    url: str
    event: str
    batch_id: int | None
    status: str  # pending, delivered, failed, cancelled (words.DELIVERY_STATUS)
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None

    @property
    def status_word(self) -> str:
        """The status in words ("Delivered")."""
        return words.DELIVERY_STATUS.get(self.status, self.status)

    @property
    def last_result(self) -> str:
        """The last attempt in words: "HTTP 200", "HTTP 500", an error, or "not tried yet"."""
        if self.last_status_code is not None:
            return f"HTTP {self.last_status_code}"
        return self.last_error or "not tried yet"


def safe_url(url: str) -> str:
    """The URL as scheme://host[:port]/path, for the audit and log lines: no user name or
    password, query or fragment (any may carry a credential)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def shown_url(url: str) -> str:
    """The URL as admins see it: whole, but a password in it masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, host = parts.netloc.rpartition("@")[::2]
    head = len(parts.scheme) + 3  # "https://"
    return f"{url[:head]}{user.partition(':')[0]}:{MASK}@{host}{url[head + len(parts.netloc) :]}"


def clean_url(url: str) -> str:
    """Return the URL trimmed; refuse one that is not an http(s) URL with a host, or whose host
    is a private or local address (`core.webhooks.targets`), in words."""
    text = (url or "").strip()
    if not text:
        raise InputError("Give the webhook's URL, e.g. https://platform.example/hooks/badges.")
    if len(text) > MAX_URL_LENGTH:
        raise InputError(
            f"The URL has {len(text):,} characters; a webhook's URL may have at most "
            f"{MAX_URL_LENGTH:,}."
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise InputError("A webhook's URL cannot contain spaces or line breaks.")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - reading it checks the port is a number in range
    except ValueError:
        raise InputError(f"“{text}” is not a URL a webhook can post to.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"“{shown_url(text)}” is not an http:// or https:// URL with a host name; a webhook posts to "
            "one, e.g. https://platform.example/hooks/badges."
        )
    address = targets.literal(parts.hostname)
    if address is not None and not targets.allowed(address):
        raise _private_target(text, str(address))
    return text


def _private_target(url: str, where: str) -> InputError:
    return InputError(
        f"“{shown_url(url)}” points at a private or local address ({where}); webhooks post only "
        "to public addresses. Give a public URL, or set "
        f"{targets.ALLOW_PRIVATE_ENV}=1 on the server to allow internal receivers."
    )


def check_target(url: str) -> None:
    """Refuse a (clean) URL whose host name resolves to a private or local address now. A name
    that does not resolve yet is taken: every delivery checks its addresses again."""
    host = urlsplit(url).hostname or ""
    if targets.private_allowed() or targets.literal(host) is not None:
        return  # an address is checked by clean_url; with the switch on, anything goes
    try:
        infos = targets.resolve(host)
    except (OSError, UnicodeError):  # no address now (or a name DNS cannot carry)
        return
    refused = targets.first_refused(infos)
    if refused is not None:
        raise _private_target(url, f"{host} resolves to {refused}")


def parse_events(names: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Return the events named (all of them if none), in their order; refuse an unknown name."""
    chosen = [n.strip() for n in names or () if n.strip()]
    if not chosen:
        return events.EVENTS
    unknown = [n for n in chosen if n not in events.EVENTS]
    if unknown:
        raise InputError(
            f"“{unknown[0]}” is not a webhook event. The events are: {', '.join(events.EVENTS)}."
        )
    return tuple(e for e in events.EVENTS if e in chosen)


def add_webhook(
    uow: UnitOfWork, actor: Account, url: str, event_names: list[str] | None = None
) -> tuple[str, Webhook]:
    """Register a URL for these events (all if none); return the secret (shown once) and it."""
    require(actor, Permission.MANAGE_WEBHOOKS)
    clean = clean_url(url)
    chosen = parse_events(event_names)
    check_target(clean)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    for _ in range(ADD_ATTEMPTS):
        try:
            webhook_id = uow.transaction(lambda u: _add(u, actor, clean, chosen, secret))
            break
        except DuplicateKey:
            # Another add took this URL or the same slot at the same moment: look again, so a
            # second add of one URL is refused in the same words as a later one.
            continue
    else:
        raise InputError("Other webhooks were being added at the same moment. Try again.")
    return secret, get_webhook(uow, actor, webhook_id)


def _add(uow: UnitOfWork, actor: Account, url: str, chosen: tuple[str, ...], secret: str) -> int:
    if (same := uow.webhooks.active_with_url(url)) is not None:
        raise InputError(
            f"“{shown_url(url)}” is registered already (webhook {same}). Remove it first to "
            "change its events or make a new secret."
        )
    webhook_id = uow.webhooks.add(url, ",".join(chosen), secret, actor.username, MAX_WEBHOOKS)
    if webhook_id is None:
        raise InputError(
            f"There are {MAX_WEBHOOKS} webhooks already, the most there may be. Remove one first."
        )
    record(
        uow,
        actor,
        Action.WEBHOOK_ADDED,
        None,
        f"{webhook_id} {safe_url(url)} ({', '.join(chosen)})",
    )
    return webhook_id


def _webhook(row: tuple) -> Webhook:
    webhook_id, url, names, created_by, created_at = row[:5]
    return Webhook(webhook_id, shown_url(url), tuple(names.split(",")), created_by, created_at)


def get_webhook(uow: UnitOfWork, actor: Account, webhook_id: int) -> Webhook:
    """Return a webhook not removed; NotFound otherwise."""
    require(actor, Permission.MANAGE_WEBHOOKS)
    row = uow.webhooks.get(webhook_id)
    if row is None or row[5] is not None:
        raise NotFound(
            f"There is no webhook {webhook_id}"
            + (" any more: it was removed." if row is not None else ".")
            + " `webhook list` (or the Webhooks page) shows the webhooks there are."
        )
    return _webhook(row)


def list_webhooks(uow: UnitOfWork, actor: Account) -> list[Webhook]:
    """Every webhook not removed, oldest first."""
    require(actor, Permission.MANAGE_WEBHOOKS)
    return [_webhook(row) for row in uow.webhooks.webhooks().iter_rows()]


def remove_webhook(uow: UnitOfWork, actor: Account, webhook_id: int) -> tuple[Webhook, int]:
    """Remove a webhook (its pending deliveries are cancelled); return it and how many were."""
    require(actor, Permission.MANAGE_WEBHOOKS)

    def work(u: UnitOfWork) -> tuple[Webhook, int]:
        webhook = get_webhook(u, actor, webhook_id)
        cancelled = u.webhooks.remove(webhook_id, datetime.now(UTC))
        record(u, actor, Action.WEBHOOK_REMOVED, None, f"{webhook_id} {safe_url(webhook.url)}")
        return webhook, cancelled

    return uow.transaction(work)


def send_test(uow: UnitOfWork, actor: Account, webhook_id: int) -> Webhook:
    """Queue a `webhook.test` event for one webhook (delivered, signed, like any other)."""
    require(actor, Permission.MANAGE_WEBHOOKS)

    def work(u: UnitOfWork) -> Webhook:
        webhook = get_webhook(u, actor, webhook_id)
        events.enqueue_test(u, webhook_id, webhook.url)
        return webhook

    return uow.transaction(work)


def recent_deliveries(
    uow: UnitOfWork, actor: Account, webhook_id: int | None = None, limit: int = RECENT
) -> list[Delivery]:
    """The newest deliveries (of one webhook, removed or not, or of all), newest first."""
    require(actor, Permission.MANAGE_WEBHOOKS)
    if webhook_id is not None and uow.webhooks.get(webhook_id) is None:
        raise NotFound(f"There is no webhook {webhook_id}.")
    frame = uow.webhooks.deliveries(webhook_id, limit)
    return [Delivery(row[0], row[1], shown_url(row[2]), *row[3:]) for row in frame.iter_rows()]
