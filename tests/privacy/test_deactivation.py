"""deactivateMyAccount: tokens refused and review names hidden, data kept; an administrator
(purpose stated, audited) reactivates it; erasure stays final."""

from __future__ import annotations

from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.factories import Dataset
from tests.privacy.people import People
from tests.privacy.test_bookings import _codes, _patient_headers

REVIEW = "query($id: ID!) { node(id: $id) { ... on Review { author { displayName } } } }"
REACTIVATE = "mutation($id: ID!) { reactivateAccount(patientId: $id) { reactivated } }"


async def _gql(
    http: Any,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    body: dict[str, Any] = response.json()
    return body


async def _author(http: Any, review_id: int) -> str:
    body = await _gql(http, REVIEW, {"id": to_global_id("Review", review_id)})
    name: str = body["data"]["node"]["author"]["displayName"]
    return name


async def test_deactivate_hide_and_reactivate(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    a = _patient_headers(tokens, people.a.id)
    assert await _author(http, people.a_named_review) == "Ananya D."
    refused = await _gql(
        http, "mutation { deactivateMyAccount(confirm: false) { deactivated } }", None, a
    )
    assert _codes(refused) == ["BAD_USER_INPUT"]
    done = await _gql(
        http, "mutation { deactivateMyAccount(confirm: true) { deactivated } }", None, a
    )
    assert done["data"]["deactivateMyAccount"] == {"deactivated": True}
    assert _codes(await _gql(http, "{ me { name } }", None, a)) == ["UNAUTHENTICATED"]
    assert await _author(http, people.a_named_review) == "Verified patient"
    # Nothing was deleted: the account and its reviews are kept as they were.
    patient = await models.Patient.get(id=people.a.id)
    assert patient.erased_at is None and patient.phone_hash is not None
    assert await models.Review.filter(patient_id=people.a.id).count() == 2

    patient_id = to_global_id("Patient", people.a.id)
    internal = {
        "authorization": f"Bearer {tokens.mint(Role.INTERNAL, subject='staff:riya')}",
        "x-access-purpose": "ticket 4501: reopen account",
    }
    assert _codes(await _gql(http, REACTIVATE, {"id": patient_id}, internal)) == ["FORBIDDEN"]
    admin = {"authorization": f"Bearer {tokens.mint(Role.ADMIN, subject='staff:omkar')}"}
    assert _codes(await _gql(http, REACTIVATE, {"id": patient_id}, admin)) == ["FORBIDDEN"]
    admin["x-access-purpose"] = "ticket 4501: reopen account"
    reopened = await _gql(http, REACTIVATE, {"id": patient_id}, admin)
    assert reopened["data"]["reactivateAccount"] == {"reactivated": True}
    audit = await models.AuditLog.filter(object_type="Patient", object_id=people.a.id)
    assert [(row.viewer_subject, row.purpose) for row in audit] == [
        ("staff:omkar", "ticket 4501: reopen account")
    ]
    me = await _gql(http, "{ me { name } }", None, a)
    assert me["data"]["me"] == {"name": people.a.name}
    assert await _author(http, people.a_named_review) == "Ananya D."


async def test_an_erased_account_cannot_be_reactivated(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    b = _patient_headers(tokens, people.b.id)
    await _gql(http, "mutation { eraseMyData(confirm: true) { erased } }", None, b)
    admin = {
        "authorization": f"Bearer {tokens.mint(Role.ADMIN, subject='staff:omkar')}",
        "x-access-purpose": "ticket 4502",
    }
    body = await _gql(http, REACTIVATE, {"id": to_global_id("Patient", people.b.id)}, admin)
    assert _codes(body) == ["CONFLICT"]
    assert _codes(await _gql(http, "{ me { name } }", None, b)) == ["UNAUTHENTICATED"]
