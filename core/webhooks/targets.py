"""Where a webhook may post: a host every address of which is public, so an admin's URL (or a
stolen admin token's) cannot make the server post to itself, its network or a cloud's metadata
service (127.0.0.1, 10.x, 169.254.169.254, ::1, fc00::/7 …). On-premise receivers need
`BATCH_UNLOCK_WEBHOOKS_ALLOW_PRIVATE=1` on the server, read at each check."""

from __future__ import annotations

import ipaddress
import os
import socket

ALLOW_PRIVATE_ENV = "BATCH_UNLOCK_WEBHOOKS_ALLOW_PRIVATE"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
AddrInfo = tuple  # one entry of socket.getaddrinfo: (family, type, proto, canonname, sockaddr)

SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: an IPv4 address inside


def private_allowed() -> bool:
    """Whether the server allows private and local targets (the switch set to 1), now."""
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip() == "1"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (6to4, NAT64), if any."""
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """Whether the address is public: not loopback, private, link-local, multicast, reserved,
    unspecified, shared (100.64/10) or site-local, nor an IPv6 form of such an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
            return is_public(address.ipv4_mapped)
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public(inner):
            return False
        if address.is_site_local:
            return False
    elif address in SHARED:
        return False
    refused = (
        address.is_loopback,
        address.is_private,
        address.is_link_local,
        address.is_multicast,
        address.is_reserved,
        address.is_unspecified,
    )
    return address.is_global and not any(refused)


def allowed(address: Address) -> bool:
    """Whether a webhook may post to the address, the switch considered."""
    return private_allowed() or is_public(address)


def literal(host: str) -> Address | None:
    """The host as an IP address when it is one ("10.0.0.5", "::1"), else None (a name)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _address(info: AddrInfo) -> Address:
    return ipaddress.ip_address(info[4][0])


def resolve(host: str, port: int | None = None) -> list[AddrInfo]:
    """Every TCP address the host resolves to now (OSError if it resolves to none)."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


def first_refused(infos: list[AddrInfo]) -> Address | None:
    """The first address a webhook may not post to, or None if it may post to every one."""
    return next((a for a in map(_address, infos) if not allowed(a)), None)


class Refused(OSError):
    """A delivery's host resolves to an address a webhook may not post to."""

    def __init__(self, host: str, address: Address) -> None:
        self.host = host
        self.address = address
        shown = "" if str(address) == host.strip("[]") else f" ({address})"
        super().__init__(
            f"refused: {host} resolves to a private or local address{shown}; give a public URL, "
            f"or start the server with {ALLOW_PRIVATE_ENV}=1 to post to internal receivers"
        )


def checked(host: str, port: int | None) -> list[AddrInfo]:
    """The host's addresses, each one checked: connect only to these. Refused if any address may
    not be posted to (so a name cannot hide a private address among public ones); OSError if the
    host does not resolve."""
    infos = resolve(host, port)
    refused = first_refused(infos)
    if refused is not None:
        raise Refused(host, refused)
    return infos
