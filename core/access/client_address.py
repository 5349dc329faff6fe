"""Where a login attempt comes from: the client's address, behind trusted reverse proxies or not."""

from __future__ import annotations

import ipaddress
import os

from core.errors import InputError

TRUSTED_PROXIES_ENV = "BATCH_UNLOCK_TRUSTED_PROXIES"
# Where attempts come from when there is no HTTP client (the command line, tests).
LOCAL_ADDRESS = "local"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str | None) -> tuple[Network, ...]:
    """Parse a comma-separated list of proxy addresses or networks ("127.0.0.1,10.0.0.0/8")."""
    networks = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InputError(
                f"{TRUSTED_PROXIES_ENV} holds {part!r}, which is not an IP address or network. "
                "List your reverse proxies' addresses, e.g. 127.0.0.1,10.0.0.0/8, or unset it."
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The reverse proxies whose X-Forwarded-For is believed, from $BATCH_UNLOCK_TRUSTED_PROXIES."""
    return parse_trusted_proxies(os.environ.get(TRUSTED_PROXIES_ENV))


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


# Streamlit's server (uvicorn) believes X-Forwarded-For from these peers before the app sees the
# request, and rewrites the peer address from it ($FORWARDED_ALLOW_IPS, uvicorn's default).
UVICORN_TRUSTED_ENV = "FORWARDED_ALLOW_IPS"
UVICORN_TRUSTED_DEFAULT = "127.0.0.1,::1"


def transport_peer(peer: str | None, forwarded_for: list[str]) -> str | None:
    """The address that really connected, undoing uvicorn's rewrite from X-Forwarded-For.

    uvicorn replaces the peer by an X-Forwarded-For entry when the real peer is one it trusts
    (loopback by default), so a client on the same host could pick any address per guess.
    When the peer we are given is one of the header's entries, the rewrite may have happened:
    the real peer was then one of uvicorn's trusted hosts, and that is what is counted (a
    remote client that names its own address gains nothing by it either).
    """
    hops = {hop.strip() for header in forwarded_for for hop in header.split(",")}
    if peer is None or peer not in hops:
        return peer
    trusted = os.environ.get(UVICORN_TRUSTED_ENV, UVICORN_TRUSTED_DEFAULT)
    first = next((h.strip() for h in trusted.split(",") if h.strip() and h.strip() != "*"), None)
    return first or peer


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The address a request comes from: its peer, or, behind trusted proxies, the right-most
    X-Forwarded-For entry that is not one of them (entries to its left can be forged)."""
    peer = peer or "unknown"
    if not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            # Bounded: the key must not grow with whatever a client put into the header.
            return hop[:64]
    # Every hop is a proxy of ours (or there is no header): the left-most is the closest guess.
    return hops[0][:64] if hops else peer
