"""GraphQL over HTTP, to the letter: media types from Accept, the spec's status codes, CSRF.

Issue 12: execution failures with `data: null` (rate limit, upstream outage) answered 400, so
clients and monitors read server faults as client mistakes. The rules, by response type:
application/json answers 200 for every well-formed request; application/graphql-response+json
answers 400 for request errors (nothing ran, no `data` entry) and 200 once execution ran.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import sandbox_settings
from tests.factories import SECRET_PHONES, Dataset, build_dataset
from tests.privacy.test_bookings import BOOK, next_monday_slot

GQL = "application/graphql-response+json"
JSON = "application/json"
CLIENT = {"X-HMSDESK-Client": "tests"}
CITIES = "{ cities { slug } }"
CITIES_BODY = b'{"query": "{ cities { slug } }"}'
REVEAL = "mutation($id: ID!) { revealContactNumber(practitionerRoleId: $id) { number expiresAt } }"


@pytest.fixture
def settings(database_url: str, sandbox: RunningSandbox) -> Settings:
    # The partner services are the real sandbox on loopback (its error fault makes the outage:
    # an immediate HTTP 500). Generous timeouts: a busy machine must not fake an outage.
    return sandbox_settings(
        database_url,
        sandbox,
        upstream_connect_timeout_s=5.0,
        upstream_read_timeout_s=10.0,
        upstream_total_timeout_s=10.0,
        request_budget_s=20.0,
        upstream_max_attempts=1,
        contact_reveals_per_hour=2,
    )


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    return await build_dataset(FieldCipher(settings.field_encryption_key))


async def _post(http: httpx.AsyncClient, accept: str | None, payload: Any) -> httpx.Response:
    headers = {} if accept is None else {"Accept": accept}
    return await http.post("/graphql", json=payload, headers=headers)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def _media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


# -- which media type --------------------------------------------------------------------------


NEGOTIATED = [
    (GQL, GQL),
    (JSON, JSON),
    (f"{GQL}; charset=utf-8, {JSON}; charset=utf-8", GQL),  # the spec's recommended header
    (f"{JSON}, {GQL}", GQL),  # equal preference: the spec's preferred type
    (f"{GQL};q=0.5, {JSON}", JSON),  # q-values decide
    (f"{JSON}, multipart/mixed", JSON),  # GraphiQL's header
    ("*/*", GQL),
    ("application/*", GQL),
    ("text/html,application/xhtml+xml,*/*;q=0.8", GQL),  # a browser
    (f"{GQL};q=0, */*", JSON),
    ("APPLICATION/JSON", JSON),
]


async def test_response_type_is_negotiated_from_accept(http: httpx.AsyncClient) -> None:
    for accept, expected in NEGOTIATED:
        response = await _post(http, accept, {"query": CITIES})
        assert response.status_code == 200, accept
        assert response.headers["content-type"] == f"{expected}; charset=utf-8", accept
        assert "accept" in response.headers["vary"].lower()
        assert response.json()["data"] == {"cities": []}


async def test_no_accept_header_means_graphql_response_json(http: httpx.AsyncClient) -> None:
    # The spec, since its 2025-01-01 watershed: treat a missing Accept as
    # application/graphql-response+json.
    request = http.build_request("POST", "/graphql", json={"query": CITIES})
    del request.headers["accept"]
    response = await http.send(request)
    assert response.status_code == 200 and _media(response) == GQL


async def test_unacceptable_accept_is_406_before_any_work(http: httpx.AsyncClient) -> None:
    for accept in ["text/html", "application/xml, text/*", f"{JSON}; charset=latin1", "nonsense"]:
        response = await _post(http, accept, {"query": CITIES})
        assert response.status_code == 406, accept
        body = response.json()
        assert "data" not in body and _codes(body) == ["BAD_USER_INPUT"]
        assert "extensions" not in body  # nothing ran: no statement was counted
        assert GQL in body["errors"][0]["message"] and JSON in body["errors"][0]["message"]


# -- status codes: request errors (nothing ran) ------------------------------------------------

REQUEST_ERRORS = [
    pytest.param({"query": "{"}, "Syntax Error", id="parse"),
    pytest.param({"query": ""}, "Syntax Error", id="empty-document"),
    pytest.param({"query": "{ cities { slug nope } }"}, "nope", id="validation"),
    pytest.param(
        {"query": "query($n: Int!) { cities { slug } }", "variables": {"n": "+91 98765 43210"}},
        "Variable '$n'",
        id="variable-coercion",
    ),
    pytest.param({"query": CITIES, "operationName": "Missing"}, "Missing", id="operation-name"),
    pytest.param(
        {"query": "query A { cities { slug } } query B { cities { name } }"},
        "operation",
        id="operation-ambiguous",
    ),
    pytest.param(
        {
            "query": "mutation M { eraseMyData(confirm: true) { erased } } query Q { cities { slug } }"
        },
        "operation name",
        id="mutation-first-ambiguous",  # strawberry alone would run the mutation
    ),
    pytest.param(
        {
            "query": "query($q: String!) { labTests(query: $q) { totalCount } }",
            "variables": {"q": "a\u0000"},
        },
        "NUL",
        id="nul-in-variable",
    ),
    pytest.param(
        {"query": "{ " + "cities { " * 30 + "slug" + " }" * 30 + " }"}, "depth", id="too-deep"
    ),
]


@pytest.mark.parametrize(("payload", "says"), REQUEST_ERRORS)
async def test_request_errors_are_400_or_200_by_response_type(
    http: httpx.AsyncClient, payload: dict[str, Any], says: str
) -> None:
    response = await _post(http, GQL, payload)
    assert response.status_code == 400 and _media(response) == GQL
    body = response.json()
    assert "data" not in body  # a request error: execution never started
    assert _codes(body) and set(_codes(body)) <= {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX"}
    assert says in body["errors"][0]["message"]
    assert "98765" not in response.text
    # Well-formed requests answer 200 in application/json: a 4xx there could be any proxy's.
    response = await _post(http, JSON, payload)
    assert response.status_code == 200 and _media(response) == JSON
    body = response.json()
    assert "data" not in body and _codes(body)
    assert says in body["errors"][0]["message"]


# -- status codes: execution ran, data is null -------------------------------------------------


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_upstream_outage_and_rate_limit_are_200_with_null_data(
    http: httpx.AsyncClient, dataset: Dataset, sandbox: RunningSandbox, accept: str
) -> None:
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    variables = {"id": to_global_id("PractitionerRole", role.pk)}
    sandbox.faults.route("telephony").set("error_rate", 1.0)
    outage = await _post(http, accept, {"query": REVEAL, "variables": variables})
    assert outage.status_code == 200 and _media(outage) == accept
    assert outage.json()["data"] is None
    assert _codes(outage.json()) == ["UPSTREAM_UNAVAILABLE"]

    sandbox.faults.route("telephony").set("error_rate", 0.0)
    first = await _post(http, accept, {"query": REVEAL, "variables": variables})
    assert first.status_code == 200 and first.json()["data"]["revealContactNumber"]["number"]
    limited = await _post(http, accept, {"query": REVEAL, "variables": variables})
    assert limited.status_code == 200 and limited.json()["data"] is None
    assert _codes(limited.json()) == ["RATE_LIMITED"]
    assert not [p for p in SECRET_PHONES if p[-5:] in outage.text + limited.text]


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_partial_data_is_200(http: httpx.AsyncClient, accept: str) -> None:
    # A field error below a nullable field: data and errors together (a partial response).
    query = 'query { cities { slug } hospital(slug: "none") { name } }'
    response = await _post(http, accept, {"query": query})
    assert response.status_code == 200
    assert response.json()["data"]["cities"] == []


# -- malformed requests: the same 4xx whatever the response type -------------------------------

MALFORMED: list[bytes] = [
    b'{"query": "{ cities { slug } "',
    b"",
    b"[1, 2]",
    b'{"qeury": "{ cities { slug } }"}',
    b'{"query": null}',
    *[
        orjson.dumps({"query": CITIES, name: value})
        for name, values in {
            "query": [0, False, ["a"], {"a": 1}],
            "variables": ["{}", 0, False, [7]],
            "operationName": [0, False, ["a"], {"a": 1}],
            "extensions": ["x", 0, False, [1]],
        }.items()
        for value in values
    ],
]


async def test_malformed_requests_are_400(http: httpx.AsyncClient) -> None:
    for raw in MALFORMED:
        for accept in (GQL, JSON):
            response = await http.post(
                "/graphql", content=raw, headers={"Content-Type": JSON, "Accept": accept}
            )
            assert response.status_code == 400, (raw, accept)
            body = response.json()
            assert "data" not in body and _codes(body) == ["BAD_USER_INPUT"], raw


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_null_and_map_parameters_are_accepted(http: httpx.AsyncClient, accept: str) -> None:
    for extra in (
        {"variables": None, "operationName": None, "extensions": None},
        {"variables": {}, "extensions": {"clientLibrary": {"name": "web", "version": "1"}}},
        {"operationName": "Q", "query": "query Q { cities { slug } }"},
    ):
        response = await _post(http, accept, {"query": CITIES, **extra})
        assert response.status_code == 200, (extra, response.text)
        assert "errors" not in response.json()


async def test_unsupported_body_types_are_415(http: httpx.AsyncClient) -> None:
    for content_type in (
        "application/graphql",
        "application/json; charset=latin1",
        "application/jsonx",
        "text/json",
        "text/plain",  # carries the CSRF header here: then it is only an unsupported type
    ):
        response = await http.post(
            "/graphql",
            content=b'{"query": "{ cities { slug } }"}',
            headers={**CLIENT, "Content-Type": content_type},
        )
        assert response.status_code == 415, content_type
        assert _codes(response.json()) == ["BAD_USER_INPUT"]


async def test_post_without_content_type_is_415(http: httpx.AsyncClient) -> None:
    request = http.build_request(
        "POST", "/graphql", content=b'{"query": "{ cities { slug } }"}', headers=CLIENT
    )
    assert "content-type" not in request.headers
    assert (await http.send(request)).status_code == 415


async def test_utf8_json_with_charset_is_read(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        content='{"query": "{ __typename }", "variables": {"x": "पुणे"}}'.encode(),
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert response.status_code == 200 and response.json()["data"] == {"__typename": "Query"}


# -- GET ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_get_reads_json_variables_and_extensions(
    http: httpx.AsyncClient, accept: str
) -> None:
    params = {
        "query": "query($s: String!) { hospital(slug: $s) { name } }",
        "variables": '{"s": "none"}',
        "extensions": '{"some": "value"}',
        "operationName": "",
    }
    response = await http.get("/graphql", params=params, headers={**CLIENT, "Accept": accept})
    assert response.status_code == 200 and _media(response) == accept
    assert "data" in response.json()


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_mutation_over_get_is_405(http: httpx.AsyncClient, accept: str) -> None:
    params = {"query": "mutation { eraseMyData(confirm: true) }"}
    response = await http.get("/graphql", params=params, headers={**CLIENT, "Accept": accept})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert "data" not in response.json()


async def test_malformed_get_is_400(http: httpx.AsyncClient) -> None:
    for params in ({}, {"query": CITIES, "variables": "{"}, {"query": CITIES, "extensions": "[1]"}):
        response = await http.get("/graphql", params=params, headers={**CLIENT, "Accept": JSON})
        assert response.status_code == 400, params


# -- CSRF --------------------------------------------------------------------------------------

UNPREFLIGHTED = [
    ("GET", None),
    ("POST", "text/plain"),
    ("POST", "text/plain; charset=utf-8"),
    ("POST", "Text/Plain"),
    ("POST", "application/x-www-form-urlencoded"),
    ("POST", "multipart/form-data; boundary=x"),
    ("POST", "application/json, text/plain"),  # unreadable: not trusted to have preflighted
]


async def _send(http: httpx.AsyncClient, method: str, headers: dict[str, str]) -> httpx.Response:
    if method == "GET":
        return await http.get("/graphql", params={"query": CITIES}, headers=headers)
    return await http.post("/graphql", content=CITIES_BODY, headers=headers)


async def test_requests_a_browser_sends_without_preflight_are_refused(
    http: httpx.AsyncClient,
) -> None:
    for method, content_type in UNPREFLIGHTED:
        headers = {"Authorization": "Bearer not-even-checked", "Accept": JSON}
        if content_type:
            headers["Content-Type"] = content_type
        response = await _send(http, method, headers)
        # Refused before the token is read (a bad token would answer 401) or anything runs.
        assert response.status_code == 400, (method, content_type)
        answer = response.json()
        assert "data" not in answer and _codes(answer) == ["BAD_USER_INPUT"]
        assert "cross-site request forgery" in answer["errors"][0]["message"]
        assert "X-HMSDESK-Client" in answer["errors"][0]["message"]
        assert "extensions" not in answer  # no statement ran, none was counted


async def test_a_forged_booking_is_refused_and_writes_nothing(
    http: httpx.AsyncClient, dataset: Dataset
) -> None:
    # A page elsewhere posting JSON as text/plain (no preflight) to book in a guest's name.
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    guest = {"name": "Forged Guest", "phone": "+919850011122"}
    variables = {
        "input": {
            "practitionerRoleId": to_global_id("PractitionerRole", role.pk),
            "slotStart": next_monday_slot(10, 15),
            "idempotencyKey": "csrf-forged-0001",
            "guest": guest,
        }
    }
    body = orjson.dumps({"query": BOOK, "variables": variables})
    forged = await http.post("/graphql", content=body, headers={"Content-Type": "text/plain"})
    assert forged.status_code == 400 and "cross-site" in forged.text
    assert "9850011122" not in forged.text
    assert await models.Appointment.all().count() == 0
    # The same request from a real client (JSON, preflighted in a browser) books.
    sent = await http.post("/graphql", content=body, headers={"Content-Type": JSON})
    assert sent.json()["data"]["bookAppointment"]["created"] is True, sent.text
    assert await models.Appointment.all().count() == 1


async def test_preflighted_requests_pass_the_csrf_check(http: httpx.AsyncClient) -> None:
    for method, headers, status in [
        ("GET", CLIENT, 200),
        ("GET", {"Content-Type": JSON}, 200),  # a browser cannot send this without a preflight
        ("POST", {"Content-Type": JSON}, 200),  # the bench, the tests' client, any JSON client
        ("POST", {"Content-Type": GQL}, 415),  # preflighted, but not a request type
        ("POST", {**CLIENT, "Content-Type": "text/plain"}, 415),
    ]:
        response = await _send(http, method, headers)
        assert response.status_code == status, (method, headers, response.text)
        assert "cross-site" not in response.text


async def test_an_empty_client_header_is_not_enough(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql", params={"query": CITIES}, headers={"X-HMSDESK-Client": " "}
    )
    assert response.status_code == 400 and "cross-site" in response.text


async def test_the_benchmark_headers_get_json_and_200(http: httpx.AsyncClient) -> None:
    from bench.load import _HEADERS

    response = await http.post(
        "/graphql", content=b'{"query": "{ cities { slug nope } }"}', headers=_HEADERS
    )
    assert response.status_code == 200 and _media(response) == JSON
    assert _codes(response.json()) == ["BAD_USER_INPUT"]
