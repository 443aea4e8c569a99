"""Error mapping: bad variables are BAD_USER_INPUT naming the variable, never echoing values."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from tests.conftest import base_settings
from tests.privacy.conftest import dataset, people  # noqa: F401  (fixtures)
from tests.privacy.test_bookings import BOOK, _role_id, next_monday_slot

NAME, PHONE, EMAIL = "Neha Zoravarkar", "+919850077331", "neha.zoravar@example.org"
SECRETS = (NAME, PHONE, "9850077331", EMAIL, "zoravar")


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_bad_variables_in_a_guest_booking_never_echo_or_log_values(
    http: Any,
    dataset: Any,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="hmsdesk_graph")
    caplog.set_level(logging.INFO)
    base = {"practitionerRoleId": await _role_id(dataset), "slotStart": next_monday_slot(9, 45)}
    guest = {"name": NAME, "phone": PHONE}
    bad = [
        ({**base, "idempotencyKey": 5, "guest": guest}, "$input.idempotencyKey"),
        ({**base, "idempotencyKey": "k-1", "guest": {**guest, "email": EMAIL}}, "$input.guest"),
        ({**base, "idempotencyKey": "k-1", "guest": {"name": NAME}}, "$input.guest"),
        ({**base, "idempotencyKey": "k-1", "guest": [NAME, PHONE]}, "$input.guest"),
        ({**base, "slotStart": f"{NAME} {PHONE}", "idempotencyKey": "k-1"}, "$input.slotStart"),
    ]
    for variables, where in bad:
        response = await http.post(
            "/graphql", json={"query": BOOK, "variables": {"input": variables}}
        )
        body = response.json()
        assert _codes(body) == ["BAD_USER_INPUT"], body
        message = body["errors"][0]["message"]
        assert message.startswith("Variable '$input'") and where.split(".", 1)[1] in message
        assert not any(s in str(body) for s in SECRETS), body
    ok = await http.post(
        "/graphql",
        json={
            "query": BOOK,
            "variables": {"input": {**base, "idempotencyKey": "errors-ok-0001", "guest": guest}},
        },
    )
    assert ok.json()["data"]["bookAppointment"]["created"] is True, ok.json()
    logged = caplog.text + "".join(capsys.readouterr())
    assert "POST /graphql" in logged  # the access log ran and was captured
    assert not [s for s in SECRETS if s in logged]
    assert "Traceback" not in logged


async def test_unknown_enum_value_and_wrong_scalar_are_bad_user_input(http: Any) -> None:
    query = (
        'query($o: PractitionerSort, $n: Int) { searchPractitioners(city: "mumbai", sort: $o,'
        " first: $n) { edges { node { slug } } } }"
    )
    for variables in ({"o": "NEARESTT"}, {"n": "abc"}, {"n": 2147483648}):
        body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
        assert _codes(body) == ["BAD_USER_INPUT"], body
        assert "NEARESTT" not in str(body) and "abc" not in str(body)


async def test_nul_characters_are_refused_before_execution(http: Any) -> None:
    query = "query($q: String!) { labTests(query: $q) { edges { node { name } } } }"
    for variables in ({"q": "x\u0000y"}, {"q": "ok", "other": ["a", {"b": "\u0000"}]}):
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 400 and _codes(body) == ["BAD_USER_INPUT"]
        assert "NUL" in body["errors"][0]["message"]


async def test_huge_numbers_are_bad_user_input(http: Any, dataset: Any) -> None:  # noqa: F811
    search = (
        'query($f: PractitionerSearchFilter) { searchPractitioners(city: "mumbai", filter: $f)'
        " { edges { node { slug } } } }"
    )
    for variables in ({"f": {"feeMin": 1e30}}, {"f": {"minReviews": 2147483648}}):
        body = (await http.post("/graphql", json={"query": search, "variables": variables})).json()
        assert _codes(body) == ["BAD_USER_INPUT"], body
    node = "query($id: ID!) { node(id: $id) { id } }"
    from hmsdesk_graph.identity.global_ids import to_global_id

    body = (
        await http.post(
            "/graphql",
            json={"query": node, "variables": {"id": to_global_id("Practitioner", 10**17)}},
        )
    ).json()
    assert _codes(body) in (["BAD_USER_INPUT"], ["NOT_FOUND"], []), body
    assert "INTERNAL" not in _codes(body)


@pytest.fixture
def production_settings(database_url: str) -> Settings:
    # replace(): production's checks want PostgreSQL and real keys; only `env` matters here.
    return dataclasses.replace(base_settings(database_url=database_url), env="production")


async def test_production_gives_no_suggestions(production_settings: Settings) -> None:
    import httpx

    from hmsdesk_graph.app import create_app

    app = create_app(production_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            queries = [
                ("{ citiez { slug } }", None),  # field
                ("{ cities { slugg } }", None),  # field
                ('{ practitioner(slugg: "x") { id } }', None),  # argument
                ("query($f: PractitionerSearchFilterr) { cities { slug } }", None),  # type
                ("query($s: PractitionerSort) { cities { slug } }", {"s": "NAMEE"}),  # enum
                (
                    'query($f: PractitionerSearchFilter) { searchPractitioners(city: "mumbai",'
                    " filter: $f) { edges { node { slug } } } }",
                    {"f": {"feeMinn": 1}},
                ),  # input field
            ]
            for query, variables in queries:
                response = await client.post(
                    "/graphql", json={"query": query, "variables": variables}
                )
                body = response.json()
                assert body.get("errors"), body
                assert "Did you mean" not in str(body), body
