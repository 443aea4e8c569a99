"""Free text in arguments is bounded before any processing (issue 12): every string an
operation sends, literal or variable, nested in inputs or lists, is refused over its limit
with BAD_USER_INPUT naming the argument (never the value) and no SQL."""

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.identity.auth import Role
from tests.conftest import GraphQLClient

REPLY = "mutation($id: ID!, $t: String!) { replyToReview(reviewId: $id, text: $t) { id } }"
SUBMIT = "mutation($input: SubmitReviewInput!) { submitReview(input: $input) { id } }"
REVIEW_ID = "UmV2aWV3OjE="  # Review:1 (nothing exists: limits come first)


def _review(text: str) -> dict[str, Any]:
    return {
        "input": {
            "appointmentId": "QXBwb2ludG1lbnQ6MQ==",
            "target": "PRACTITIONER",
            "rating": 5,
            "recommend": True,
            "text": text,
        }
    }


async def _refused(response: Any, argument: str, limit: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert "data" not in body  # refused before execution: a request error (GraphQL over HTTP)
    assert body["extensions"]["sqlStatements"] == 0
    message = body["errors"][0]["message"]
    assert message == f"{argument} must be at most {limit}."
    assert body["errors"][0]["extensions"]["argument"] == argument
    return body


async def test_a_100000_character_reply_is_refused_on_its_length(
    gql: GraphQLClient, bearer: Any
) -> None:
    secret = "Call +91 98220 44444 " + "x" * 100_000
    response = await gql.post(
        REPLY, {"id": REVIEW_ID, "t": secret}, headers=bearer(Role.PARTNER, partner_id=1)
    )
    await _refused(response, "text", "2000 characters")
    assert "98220" not in response.text and "xxxx" not in response.text


async def test_too_many_words_in_a_review_are_refused(gql: GraphQLClient, bearer: Any) -> None:
    response = await gql.post(
        SUBMIT, _review("ok " * 401), headers=bearer(Role.PATIENT, patient_id=1)
    )
    await _refused(response, "input.text", "400 words")


async def test_literal_text_nested_in_an_input_is_checked(gql: GraphQLClient, bearer: Any) -> None:
    text = "y" * 2001
    query = (
        'mutation { submitReview(input: {appointmentId: "QXBwb2ludG1lbnQ6MQ==",'
        f' target: PRACTITIONER, rating: 5, recommend: true, text: "{text}"}}) {{ id }} }}'
    )
    response = await gql.post(query, headers=bearer(Role.PATIENT, patient_id=1))
    await _refused(response, "input.text", "2000 characters")


@pytest.mark.parametrize(
    ("query", "variables", "argument", "limit"),
    [
        # Any other string gets the generic limit: slugs, IDs, list items, cursors.
        (
            "query($s: String!) { practitioner(slug: $s) { name } }",
            {"s": "s" * 501},
            "slug",
            "500 characters",
        ),
        (
            'query($f: PractitionerSearchFilter) { searchPractitioners(city: "pune",'
            " filter: $f) { totalCount } }",
            {"f": {"localities": ["kothrud", "l" * 501]}},
            "filter.localities",
            "500 characters",
        ),
        (
            'query($a: String) { practitioners(city: "pune", after: $a) { totalCount } }',
            {"a": "c" * 10_000},
            "after",
            "500 characters",
        ),
        (
            "mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { created } }",
            {
                "i": {
                    "practitionerRoleId": "UHJhY3RpdGlvbmVyUm9sZTox",
                    "slotStart": "2026-12-08T10:15:00+05:30",
                    "idempotencyKey": "k",
                    "guest": {"name": "Bhavesh " * 20, "phone": "+91 98220 55555"},
                }
            },
            "input.guest.name",
            "100 characters",
        ),
        (
            "mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { created } }",
            {
                "i": {
                    "practitionerRoleId": "UHJhY3RpdGlvbmVyUm9sZTox",
                    "slotStart": "2026-12-08T10:15:00+05:30",
                    "idempotencyKey": "k" * 129,
                }
            },
            "input.idempotencyKey",
            "128 characters",
        ),
    ],
)
async def test_every_string_argument_has_a_limit(
    gql: GraphQLClient, query: str, variables: dict[str, Any], argument: str, limit: str
) -> None:
    response = await gql.post(query, variables)
    await _refused(response, argument, limit)
    assert "Bhavesh" not in response.text and "55555" not in response.text


async def test_text_within_the_limits_goes_on_to_the_resolver(
    gql: GraphQLClient, bearer: Any
) -> None:
    response = await gql.post(
        REPLY, {"id": REVIEW_ID, "t": "z" * 2000}, headers=bearer(Role.PARTNER, partner_id=1)
    )
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert body["extensions"]["sqlStatements"] > 0
