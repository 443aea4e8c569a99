"""Telephony: a routed number per PractitionerRole and caller, so private phones never leave."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hmsdesk_graph.upstream.client import ServiceClient
from hmsdesk_graph.upstream.errors import TELEPHONY, UnexpectedShape
from hmsdesk_graph.upstream.shapes import aware_datetime

NUMBERS_PATH = "/telephony/numbers"
# An opaque reference (a hash or token), never a phone number or an email.
CALLER_REF = re.compile(r"[A-Za-z0-9_.:-]{8,128}")
_NUMBER = re.compile(r"\+\d[\d ]{6,20}\d")
_EXTENSION = re.compile(r"\d{1,8}")


@dataclass(frozen=True)
class RoutedNumber:
    """A number the caller dials; the telephony service bridges it to the practice."""

    number: str
    extension: str | None
    expires_at: datetime


class TelephonyClient(ServiceClient):
    """Allocates routed numbers. Allocation is not idempotent, so it is never retried."""

    service = TELEPHONY

    async def routed_number(
        self, role_id: int, caller_ref: str, *, deadline: float | None = None
    ) -> RoutedNumber:
        """The routed number for this role and caller (reused by the service while valid)."""
        if role_id <= 0:
            raise ValueError("role_id must be a positive id")
        if CALLER_REF.fullmatch(caller_ref) is None:
            raise ValueError("caller_ref must be an opaque reference of 8-128 safe characters")
        if caller_ref.isdigit():
            raise ValueError("caller_ref must be opaque, not a number")
        payload = {"practitionerRoleId": role_id, "callerRef": caller_ref}
        return await self.post_json(
            NUMBERS_PATH, payload, parse_routed_number, idempotent=False, deadline=deadline
        )


def parse_routed_number(body: Any) -> RoutedNumber:
    """Check ``{"number", "extension", "expiresAt"}``."""
    if not isinstance(body, dict):
        raise UnexpectedShape(TELEPHONY, "routed number response is not an object")
    number = body.get("number")
    extension = body.get("extension")
    expires = body.get("expiresAt")
    if not isinstance(number, str) or _NUMBER.fullmatch(number) is None:
        raise UnexpectedShape(TELEPHONY, "routed number is missing or not a phone number")
    if extension is not None and (
        not isinstance(extension, str) or _EXTENSION.fullmatch(extension) is None
    ):
        raise UnexpectedShape(TELEPHONY, "extension is not digits")
    expires_at = aware_datetime(TELEPHONY, expires, "expiresAt", "is missing")
    return RoutedNumber(number=number, extension=extension, expires_at=expires_at)
