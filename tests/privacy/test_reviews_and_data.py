"""Reviews (submit, scrub, reply, moderate, publish), consent, export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import ReviewStatus
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.resolvers.review_writes import publish_due_reviews
from tests.factories import Dataset
from tests.privacy.people import People

SUBMIT = """
mutation($input: SubmitReviewInput!) {
  submitReview(input: $input) { id status text author { displayName verifiedPatient } }
}
"""


def _h(tokens: TokenService, role: Role, **kw: Any) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens.mint(role, **kw)}"}


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


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_review_lifecycle(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    b = _h(tokens, Role.PATIENT, patient_id=people.b.id)
    appointment = to_global_id("Appointment", people.b_appointment)
    text = "Call me on +91 98200 12345 or mail bhavesh@example.in. Doctor was late."
    body = await _gql(
        http,
        SUBMIT,
        {
            "input": {
                "appointmentId": appointment,
                "target": "HOSPITAL",
                "rating": 2,
                "recommend": False,
                "text": text,
                "anonymous": False,
            }
        },
        b,
    )
    review = body["data"]["submitReview"]
    assert review["status"] == "PENDING"
    assert (
        "98200" not in review["text"]
        and "@" not in review["text"]
        and "Doctor was late." in review["text"]
    )
    assert review["author"] == {"displayName": "Bhavesh M.", "verifiedPatient": True}
    again = await _gql(
        http,
        SUBMIT,
        {
            "input": {
                "appointmentId": appointment,
                "target": "HOSPITAL",
                "rating": 5,
                "recommend": True,
            }
        },
        b,
    )
    assert _codes(again) == ["CONFLICT"]
    # Someone else's appointment, an unattended one, a wrong target, a bad rating.
    a = _h(tokens, Role.PATIENT, patient_id=people.a.id)
    assert _codes(
        await _gql(
            http,
            SUBMIT,
            {
                "input": {
                    "appointmentId": appointment,
                    "target": "PRACTITIONER",
                    "rating": 5,
                    "recommend": True,
                }
            },
            a,
        )
    ) == ["NOT_FOUND"]
    upcoming = to_global_id("Appointment", people.a_upcoming)
    assert _codes(
        await _gql(
            http,
            SUBMIT,
            {
                "input": {
                    "appointmentId": upcoming,
                    "target": "PRACTITIONER",
                    "rating": 5,
                    "recommend": True,
                }
            },
            a,
        )
    ) == ["BAD_USER_INPUT"]
    assert _codes(
        await _gql(
            http,
            SUBMIT,
            {
                "input": {
                    "appointmentId": appointment,
                    "target": "DIAGNOSTIC_CENTER",
                    "rating": 5,
                    "recommend": True,
                }
            },
            b,
        )
    ) == ["BAD_USER_INPUT"]
    assert _codes(
        await _gql(
            http,
            SUBMIT,
            {
                "input": {
                    "appointmentId": appointment,
                    "target": "PRACTITIONER",
                    "rating": 6,
                    "recommend": True,
                }
            },
            b,
        )
    ) == ["BAD_USER_INPUT"]
    assert _codes(
        await _gql(
            http,
            SUBMIT,
            {
                "input": {
                    "appointmentId": appointment,
                    "target": "PRACTITIONER",
                    "rating": 5,
                    "recommend": True,
                }
            },
        )
    ) == ["UNAUTHENTICATED"]

    # Pending reviews are not public; the partner of the target may reply meanwhile.
    public = await _gql(
        http, '{ hospital(slug: "bandra-care-clinic") { reviews { edges { node { id } } } } }'
    )
    assert public["data"]["hospital"]["reviews"]["edges"] == []
    reply = "mutation($id: ID!, $t: String!) { replyToReview(reviewId: $id, text: $t) { reply { text } } }"
    wrong_partner = await _gql(
        http,
        reply,
        {"id": review["id"], "t": "Sorry"},
        _h(tokens, Role.PARTNER, partner_id=people.partner_x),
    )
    assert _codes(wrong_partner) == ["NOT_FOUND"]
    replied = await _gql(
        http,
        reply,
        {"id": review["id"], "t": "Sorry! Call 020 6645 5566 to talk."},
        _h(tokens, Role.PARTNER, partner_id=people.partner_y),
    )
    assert "6645" not in replied["data"]["replyToReview"]["reply"]["text"]

    # After the reply window the review is published and counted.
    published = await publish_due_reviews(
        timedelta(hours=72), now=datetime.now(UTC) + timedelta(hours=73)
    )
    assert published >= 1  # the dataset's own old pending reviews are due too
    public = await _gql(
        http,
        '{ hospital(slug: "bandra-care-clinic") { reviewSummary { count } reviews { edges { node { id author { displayName } } } } } }',
    )
    assert public["data"]["hospital"]["reviewSummary"]["count"] == 1
    assert (
        public["data"]["hospital"]["reviews"]["edges"][0]["node"]["author"]["displayName"]
        == "Bhavesh M."
    )


async def test_anonymous_review_shows_nothing_of_its_author(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    a = _h(tokens, Role.PATIENT, patient_id=people.a.id)
    appointment = to_global_id("Appointment", people.a_appointment)
    # A's honoured appointment already has both reviews; use a fresh honoured one.
    row = await models.Appointment.get(id=people.a_appointment)
    fresh = await models.Appointment.create(
        patient_id=people.a.id,
        role_id=row.role_id,
        slot_start=row.slot_start - timedelta(days=30),
        status="HONOURED",
        idempotency_key="anon-1",
    )
    body = await _gql(
        http,
        SUBMIT,
        {
            "input": {
                "appointmentId": to_global_id("Appointment", fresh.pk),
                "target": "PRACTITIONER",
                "rating": 4,
                "recommend": True,
                "text": "Good.",
                "anonymous": True,
            }
        },
        a,
    )
    review = body["data"]["submitReview"]
    assert review["author"] == {"displayName": "Verified patient", "verifiedPatient": True}
    del appointment
    staff = _h(tokens, Role.INTERNAL, subject="staff:mod")
    moderated = await _gql(
        http,
        "mutation($id: ID!) { moderateReview(reviewId: $id, action: PUBLISH) { status } }",
        {"id": review["id"]},
        staff,
    )
    assert moderated["data"]["moderateReview"]["status"] == "PUBLISHED"
    for viewer in ({}, _h(tokens, Role.PARTNER, partner_id=people.partner_x), staff):
        node = await _gql(
            http,
            "query($id: ID!) { node(id: $id) { ... on Review { author { displayName } text target { __typename } } } }",
            {"id": review["id"]},
            viewer,
        )
        assert "Ananya" not in str(node) and "Deshpande" not in str(node)
    rejected = await _gql(
        http,
        "mutation($id: ID!) { moderateReview(reviewId: $id, action: REJECT) { status } }",
        {"id": review["id"]},
        staff,
    )
    assert _codes(rejected) == ["BAD_USER_INPUT"]  # a rejection needs a reason
    assert _codes(
        await _gql(
            http,
            "mutation($id: ID!) { moderateReview(reviewId: $id, action: PUBLISH) { status } }",
            {"id": review["id"]},
            a,
        )
    ) == ["FORBIDDEN"]


async def test_consent_export_and_erasure(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    a = _h(tokens, Role.PATIENT, patient_id=people.a.id)
    consent = "mutation($p: ConsentPurpose!, $g: Boolean!) { recordConsent(purpose: $p, granted: $g) { purpose granted } }"
    await _gql(http, consent, {"p": "MARKETING", "g": True}, a)
    await _gql(http, consent, {"p": "MARKETING", "g": False}, a)
    await _gql(http, consent, {"p": "FEEDBACK_REQUESTS", "g": True}, a)
    me = await _gql(http, "{ me { consents { purpose granted } } }", None, a)
    assert me["data"]["me"]["consents"] == [
        {"purpose": "FEEDBACK_REQUESTS", "granted": True},
        {"purpose": "MARKETING", "granted": False},
    ]
    export = (await _gql(http, "mutation { exportMyData }", None, a))["data"]["exportMyData"]
    assert export["profile"] == {
        "name": people.a.name,
        "phone": people.a.phone,
        "email": people.a.email,
        "createdAt": export["profile"]["createdAt"],
    }
    assert (
        len(export["appointments"]) == 2
        and len(export["reviews"]) == 2
        and len(export["consents"]) == 3
    )

    not_confirmed = await _gql(http, "mutation { eraseMyData(confirm: false) { erased } }", None, a)
    assert _codes(not_confirmed) == ["BAD_USER_INPUT"]
    erased = await _gql(
        http, "mutation { eraseMyData(confirm: true) { erased partnerRequestsQueued } }", None, a
    )
    assert erased["data"]["eraseMyData"] == {"erased": True, "partnerRequestsQueued": 3}
    # The erased account's token is refused from now on; what is left holds nothing of A.
    me = await _gql(http, "{ me { name } }", None, a)
    assert _codes(me) == ["UNAUTHENTICATED"] and me["data"] == {"me": None}
    assert await models.Appointment.filter(patient_id=people.a.id).count() == 0
    assert await models.Review.filter(patient_id=people.a.id).count() == 0
    assert await models.Consent.filter(patient_id=people.a.id).count() == 0
    # Aggregates are kept: the reviews still count, now anonymous.
    reviews = await models.Review.filter(id__in=[people.a_anonymous_review, people.a_named_review])
    assert {r.author_display_name for r in reviews} == {"Verified patient"}
    assert all(r.patient_id is None and r.status is ReviewStatus.PUBLISHED for r in reviews)
    assert await models.ErasureRequest.all().count() == 3
    staff = {**_h(tokens, Role.ADMIN, subject="staff:dpo"), "x-access-purpose": "erasure check"}
    patient = await _gql(
        http,
        "query($id: ID!) { patient(id: $id) { name phone email } }",
        {"id": to_global_id("Patient", people.a.id)},
        staff,
    )
    assert patient["data"]["patient"] == {"name": "Erased patient", "phone": None, "email": None}


async def test_erasure_failing_midway_changes_nothing(
    http: Any, dataset: Dataset, people: People, tokens: TokenService, monkeypatch: Any
) -> None:
    a = _h(tokens, Role.PATIENT, patient_id=people.a.id)

    async def explode(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(models.ErasureRequest, "bulk_create", explode)
    failed = await _gql(http, "mutation { eraseMyData(confirm: true) { erased } }", None, a)
    assert _codes(failed) == ["INTERNAL"]
    monkeypatch.undo()
    me = await _gql(http, "{ me { name phone erased reviews { id } } }", None, a)
    assert me["data"]["me"]["name"] == people.a.name and me["data"]["me"]["erased"] is False
    assert len(me["data"]["me"]["reviews"]) == 2
    assert await models.ErasureRequest.all().count() == 0


async def test_benchmarks_are_suppressed_below_five(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    staff = _h(tokens, Role.INTERNAL, subject="staff:analyst")
    query = '{ localityBenchmarks(city: "pune", specialty: "cardiologist") { locality providers medianFee averageRating suppressedReason } }'
    body = await _gql(http, query, None, staff)
    assert body["data"]["localityBenchmarks"] == [
        {
            "locality": "Kothrud",
            "providers": 60,
            "medianFee": "650.00",
            "averageRating": "4.11",
            "suppressedReason": None,
        }
    ]
    mumbai = await _gql(
        http,
        '{ localityBenchmarks(city: "mumbai", specialty: "cardiologist") { locality providers medianFee suppressedReason } }',
        None,
        staff,
    )
    assert mumbai["data"]["localityBenchmarks"] == [
        {
            "locality": "Bandra West",
            "providers": None,
            "medianFee": None,
            "suppressedReason": "fewer than 5 providers",
        }
    ]
    assert _codes(
        await _gql(http, query, None, _h(tokens, Role.PARTNER, partner_id=people.partner_x))
    ) == ["FORBIDDEN"]
