"""The messaging double's outbox: records messages once per Idempotency-Key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson


class KeyReused(Exception):
    """The same Idempotency-Key came with a different message."""


@dataclass(frozen=True)
class OutboxMessage:
    message_id: str
    key: str
    template: str
    to: str
    params: dict[str, str]
    received_at: datetime
    status: str = "QUEUED"

    def receipt(self) -> dict[str, str]:
        return {"messageId": self.message_id, "status": self.status}

    def to_json(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "template": self.template,
            "to": self.to,
            "params": self.params,
            "receivedAt": self.received_at.isoformat(),
            "status": self.status,
        }


@dataclass
class Outbox:
    seed: int
    messages: list[OutboxMessage] = field(default_factory=list)
    _by_key: dict[str, tuple[bytes, OutboxMessage]] = field(default_factory=dict)

    def record(
        self, key: str, template: str, to: str, params: dict[str, str]
    ) -> tuple[OutboxMessage, bool]:
        """Record a message (or find the one already sent with this key): (message, created)."""
        fingerprint = hashlib.sha256(
            orjson.dumps([template, to, params], option=orjson.OPT_SORT_KEYS)
        ).digest()
        seen = self._by_key.get(key)
        if seen is not None:
            if seen[0] != fingerprint:
                raise KeyReused(key)
            return seen[1], False
        message_id = "msg_" + hashlib.sha256(f"{self.seed}:{key}".encode()).hexdigest()[:20]
        message = OutboxMessage(message_id, key, template, to, dict(params), datetime.now(UTC))
        self._by_key[key] = (fingerprint, message)
        self.messages.append(message)
        return message, True

    def clear(self) -> None:
        self.messages.clear()
        self._by_key.clear()
