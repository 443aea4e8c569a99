"""Who is asking: the Viewer, from a signed bearer token (JWT).

No token means ANONYMOUS. A token that is present but invalid (bad signature, expired,
tampered, `alg: none`, unknown role, missing claims) is UNAUTHENTICATED, never silently
anonymous.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import Unauthenticated

ISSUER = "hmsdesk"
AUDIENCE = "hmsdesk-graph"
PURPOSE_HEADER = "x-access-purpose"


class Role(StrEnum):
    ANONYMOUS = "ANONYMOUS"
    PATIENT = "PATIENT"
    PARTNER = "PARTNER"
    INTERNAL = "INTERNAL"
    ADMIN = "ADMIN"


@dataclass(frozen=True)
class Viewer:
    """The authenticated caller; `purpose` is the staff's stated reason for this request."""

    role: Role
    subject: str
    patient_id: int | None = None
    partner_id: int | None = None
    purpose: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INTERNAL, Role.ADMIN)

    @property
    def is_anonymous(self) -> bool:
        return self.role is Role.ANONYMOUS


ANONYMOUS = Viewer(Role.ANONYMOUS, "anonymous")


def _reject() -> Unauthenticated:
    # One message for every failure: the reason is not the caller's business.
    return Unauthenticated("The bearer token is invalid or expired: sign in again.")


class TokenService:
    """Mints and verifies the API's bearer tokens."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.secret_key
        self._public_key = settings.jwt_public_key
        self._ttl = settings.token_ttl_s

    def mint(
        self,
        role: Role,
        *,
        subject: str | None = None,
        patient_id: int | None = None,
        partner_id: int | None = None,
        ttl_s: int | None = None,
    ) -> str:
        """An HS256 token for a role (development and tests; production uses the IdP's)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + (ttl_s if ttl_s is not None else self._ttl),
            "role": role.value,
            "sub": subject or _default_subject(role, patient_id, partner_id),
        }
        if patient_id is not None:
            claims["patient_id"] = patient_id
        if partner_id is not None:
            claims["partner_id"] = partner_id
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Viewer:
        """The Viewer a token names; Unauthenticated for anything not fully valid."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError:
            raise _reject() from None
        if algorithm == "HS256":
            key: str = self._secret
        elif algorithm == "RS256" and self._public_key:
            key = self._public_key
        else:
            raise _reject()
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "role", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            raise _reject() from None
        return _viewer_from_claims(claims)


def _default_subject(role: Role, patient_id: int | None, partner_id: int | None) -> str:
    if patient_id is not None:
        return f"patient:{patient_id}"
    if partner_id is not None:
        return f"partner:{partner_id}"
    return f"{role.value.lower()}:dev"


def _viewer_from_claims(claims: dict[str, Any]) -> Viewer:
    try:
        role = Role(claims["role"])
    except ValueError:
        raise _reject() from None
    patient_id = claims.get("patient_id")
    partner_id = claims.get("partner_id")
    if role is Role.ANONYMOUS:
        raise _reject()
    if role is Role.PATIENT and not isinstance(patient_id, int):
        raise _reject()
    if role is Role.PARTNER and not isinstance(partner_id, int):
        raise _reject()
    return Viewer(
        role=role,
        subject=str(claims["sub"])[:128],
        patient_id=patient_id if role is Role.PATIENT else None,
        partner_id=partner_id if role is Role.PARTNER else None,
    )


def viewer_from_headers(headers: Any, tokens: TokenService) -> Viewer:
    """The Viewer of an HTTP request: its bearer token, and for staff the stated purpose."""
    authorization = headers.get("authorization")
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _reject()
    viewer = tokens.verify(token.strip())
    purpose = (headers.get(PURPOSE_HEADER) or "").strip()[:200]
    if viewer.is_staff and purpose:
        return Viewer(viewer.role, viewer.subject, purpose=purpose)
    return viewer
