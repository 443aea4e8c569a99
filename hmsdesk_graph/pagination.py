"""Keyset pagination: page-size checks and opaque cursors bound to their list.

A cursor carries the sort key of the last row and a digest of the list it came from (field,
filter arguments and order), signed with the secret key: a cursor from another list, another
sort, or one edited by hand is rejected with BAD_USER_INPUT.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import BadUserInput

KeyValue = str | int | float | bool | datetime | None
Key = tuple[KeyValue, ...]


@dataclass(frozen=True)
class Page:
    """What one connection field asks for: a size, and the key to continue after."""

    first: int
    after: Key | None


def check_first(first: int | None, settings: Settings) -> int:
    """`first` must be 1..max_first (default default_first); never capped silently."""
    if first is None:
        return settings.default_first
    if not 1 <= first <= settings.max_first:
        raise BadUserInput(
            f"`first` must be between 1 and {settings.max_first}; got {first}.",
            argument="first",
        )
    return first


def _encode_value(value: KeyValue) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value: Any) -> KeyValue:
    if isinstance(value, dict) and set(value) == {"t"}:
        return datetime.fromisoformat(value["t"])
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise ValueError("bad key value")


class CursorCodec:
    """Encodes and checks cursors with a key derived from the secret key."""

    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), b"hmsdesk-cursor", hashlib.sha256).digest()

    def _sign(self, scope: str, payload: bytes) -> bytes:
        return hmac.new(self._key, scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:12]

    def encode(self, scope: str, key: Key) -> str:
        payload = orjson.dumps([_encode_value(v) for v in key])
        token = payload + self._sign(scope, payload)
        return base64.urlsafe_b64encode(token).decode().rstrip("=")

    def decode(self, scope: str, cursor: str) -> Key:
        """The key inside `cursor`, if it was made for this `scope`."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise _bad_cursor() from None
        payload, signature = raw[:-12], raw[-12:]
        if len(raw) <= 12 or not hmac.compare_digest(signature, self._sign(scope, payload)):
            raise _bad_cursor()
        try:
            values = orjson.loads(payload)
            return tuple(_decode_value(v) for v in values)
        except (orjson.JSONDecodeError, ValueError, TypeError):
            raise _bad_cursor() from None

    def page(self, scope: str, first: int | None, after: str | None, settings: Settings) -> Page:
        """Validate a connection's `first` / `after` arguments for the list `scope`."""
        size = check_first(first, settings)
        key = self.decode(scope, after) if after else None
        # An empty key (a sponsored edge's cursor) means "from the start".
        return Page(size, key or None)


def _bad_cursor() -> BadUserInput:
    return BadUserInput(
        "`after` is not a cursor of this list: pass the endCursor this same field returned "
        "(with the same arguments), or omit it to start from the beginning.",
        argument="after",
    )


def scope_of(field: str, **arguments: Any) -> str:
    """A stable description of a list: its field and the arguments that shape it."""
    parts = [field] + [f"{k}={arguments[k]!r}" for k in sorted(arguments)]
    return "|".join(parts)
