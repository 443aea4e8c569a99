"""Who is asking, for rate limits: the real client address behind trusted proxies only.

X-Forwarded-For is believed only when the peer that connected is a trusted proxy
(HMSDESK_TRUSTED_PROXIES); anyone else could write any address into it. The list is read
right to left, skipping our own proxies: the first address that is not one of them is the
client. Keys are HMAC'd with the secret so Redis never holds an address or an account id.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in trusted)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: str, networks: Sequence[IPNetwork]) -> bool:
    ip = _parse(address)
    return ip is not None and any(ip in net for net in networks)


def client_address(
    peer: str | None, headers: Mapping[str, str], trusted: tuple[str, ...]
) -> str | None:
    """The client's address: the peer, or behind trusted proxies the nearest untrusted hop."""
    if peer is None:
        return None
    networks = _networks(trusted)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if _parse(hop) is None:
            break  # a garbled hop: trust nothing further left of it
        if not _trusted(hop, networks):
            return hop
    # Every hop was ours (or the header was missing or garbled): the last proxy asked.
    return peer


def _address_group(address: str) -> str:
    ip = _parse(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # One IPv6 host usually owns a whole /64: counting addresses would be no limit at all.
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip) if ip is not None else address


def client_key(secret: str, subject: str | None, address: str | None) -> str:
    """An opaque, stable key: the signed-in subject, else the client's address (or /64)."""
    raw = f"s:{subject}" if subject else f"a:{_address_group(address or 'unknown')}"
    return hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
