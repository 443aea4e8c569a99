"""Messaging (SMS / email): templated messages, retried safely thanks to an idempotency key."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from hmsdesk_graph.upstream.client import ServiceClient
from hmsdesk_graph.upstream.errors import MESSAGING, UnexpectedShape
from hmsdesk_graph.upstream.templates import RECIPIENT_REF, InvalidMessage, get_template

SEND_PATH = "/messaging/send"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,128}")
_STATUS = re.compile(r"[A-Z_]{2,32}")


@dataclass(frozen=True)
class MessageReceipt:
    message_id: str
    status: str


def idempotency_key(template_name: str, to_ref: str, params: Mapping[str, str]) -> str:
    """The key of a message derived from its content: the same message is sent once."""
    canonical = orjson.dumps(
        {"template": template_name, "to": to_ref, "params": dict(params)},
        option=orjson.OPT_SORT_KEYS,
    )
    return "msg-" + hashlib.sha256(canonical).hexdigest()[:40]


class MessagingClient(ServiceClient):
    """Sends registered templates; the Idempotency-Key makes its retries safe."""

    service = MESSAGING

    async def send(
        self,
        template: str,
        to_ref: str,
        params: Mapping[str, str],
        *,
        key: str | None = None,
        deadline: float | None = None,
    ) -> MessageReceipt:
        """Send the registered ``template`` to the recipient reference ``to_ref``.

        Raises InvalidMessage before any HTTP call when the template is unknown, a parameter is
        unknown, missing or invalid, or ``to_ref`` is not an opaque reference. Without an
        explicit ``key`` the key is derived from the content, so sending the same message twice
        records it once.
        """
        checked = get_template(template).validate(params)
        if RECIPIENT_REF.fullmatch(to_ref) is None:
            raise InvalidMessage("to_ref must be an opaque recipient reference like pat_x8k2m9q4")
        if key is None:
            key = idempotency_key(template, to_ref, checked)
        elif _KEY.fullmatch(key) is None:
            raise InvalidMessage("idempotency key must be 8-128 safe characters")
        payload = {"template": template, "to": to_ref, "params": checked}
        return await self.post_json(
            SEND_PATH,
            payload,
            parse_receipt,
            idempotent=True,
            headers={IDEMPOTENCY_HEADER: key},
            deadline=deadline,
        )


def parse_receipt(body: Any) -> MessageReceipt:
    """Check ``{"messageId": "...", "status": "QUEUED"}``."""
    if not isinstance(body, dict):
        raise UnexpectedShape(MESSAGING, "send response is not an object")
    message_id = body.get("messageId")
    status = body.get("status")
    if not isinstance(message_id, str) or not 0 < len(message_id) <= 128:
        raise UnexpectedShape(MESSAGING, "messageId is missing")
    if not isinstance(status, str) or _STATUS.fullmatch(status) is None:
        raise UnexpectedShape(MESSAGING, "status is missing")
    return MessageReceipt(message_id=message_id, status=status)
