"""Tokens: a present but invalid token is UNAUTHENTICATED, never silently anonymous."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.identity.auth import AUDIENCE, ISSUER, Role, TokenService

QUERY = {"query": "{ cities { slug } }"}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "sub": "patient:1",
        "role": "PATIENT",
        "patient_id": 1,
    }
    claims.update(overrides)
    return claims


def _bad_tokens(settings: Settings) -> dict[str, str]:
    good = TokenService(settings).mint(Role.PATIENT, patient_id=1)
    header, _payload, signature = good.split(".")
    forged_payload = _b64(_claims(role="ADMIN", patient_id=None))
    return {
        "tampered": f"{header}.{forged_payload}.{signature}",
        "expired": jwt.encode(_claims(exp=int(time.time()) - 10), settings.secret_key, "HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.",
        "wrong key": jwt.encode(_claims(), "another-secret-that-is-long-enough-000", "HS256"),
        "wrong audience": jwt.encode(_claims(aud="someone-else"), settings.secret_key, "HS256"),
        "unknown role": jwt.encode(_claims(role="ROOT"), settings.secret_key, "HS256"),
        "patient without id": jwt.encode(_claims(patient_id=None), settings.secret_key, "HS256"),
        "garbage": "not-a-jwt",
    }


@pytest.mark.parametrize(
    "case",
    [
        "tampered",
        "expired",
        "alg none",
        "wrong key",
        "wrong audience",
        "unknown role",
        "patient without id",
        "garbage",
    ],
)
async def test_invalid_tokens_are_unauthenticated(http: Any, settings: Settings, case: str) -> None:
    token = _bad_tokens(settings)[case]
    response = await http.post("/graphql", json=QUERY, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert "data" not in body or body.get("data") is None


async def test_non_bearer_scheme_is_unauthenticated(http: Any) -> None:
    response = await http.post("/graphql", json=QUERY, headers={"authorization": "Basic abc"})
    assert response.status_code == 401


async def test_valid_token_and_no_token_work(http: Any, settings: Settings) -> None:
    token = TokenService(settings).mint(Role.INTERNAL, subject="staff:x")
    ok = await http.post("/graphql", json=QUERY, headers={"authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert (await http.post("/graphql", json=QUERY)).status_code == 200


async def test_rs256_tokens_need_the_configured_public_key(http: Any, settings: Settings) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(role="INTERNAL", patient_id=None, sub="staff:y"), key, "RS256")
    response = await http.post("/graphql", json=QUERY, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401  # no public key configured: RS256 is refused
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    from dataclasses import replace

    viewer = TokenService(replace(settings, jwt_public_key=public)).verify(token)
    assert viewer.role is Role.INTERNAL and viewer.subject == "staff:y"


async def test_introspection_outside_development_is_for_staff_only(
    settings: Settings, database_url: str
) -> None:
    from dataclasses import replace

    import httpx

    from hmsdesk_graph.app import create_app

    production_like = replace(settings, env="test")
    app = create_app(production_like)
    query = {"query": "{ __schema { queryType { name } } }"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            anonymous = await client.post("/graphql", json=query)
            assert anonymous.status_code == 400
            token = TokenService(settings).mint(Role.INTERNAL, subject="staff:dev")
            staff = await client.post(
                "/graphql", json=query, headers={"authorization": f"Bearer {token}"}
            )
            assert staff.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
            partner = TokenService(settings).mint(Role.PARTNER, partner_id=1)
            refused = await client.post(
                "/graphql", json=query, headers={"authorization": f"Bearer {partner}"}
            )
            assert refused.status_code == 400
