"""The protective defaults of DESIGN §7: every bad request gets a coded answer, never a trace."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def _assert_clean(response: Any) -> None:
    text = response.text
    assert "Traceback" not in text
    assert 'File "' not in text
    # httpx sends Accept: */*, which gets the spec's preferred type.
    assert response.headers["content-type"].startswith("application/graphql-response+json")


async def test_simple_query_works(gql: GraphQLClient) -> None:
    response = await gql.post("{ cities { slug } }")
    assert response.status_code == 200
    assert response.json()["data"] == {"cities": []}


async def test_malformed_json_is_400(http: Any) -> None:
    response = await http.post(
        "/graphql",
        content=b'{"query": "{ cities { slug } "',
        headers={"content-type": "application/json"},
    )
    _assert_clean(response)
    assert response.status_code == 400
    assert _codes(response.json()) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("payload", [{}, {"query": ""}, {"query": 5}, [1, 2]])
async def test_missing_query_is_400(http: Any, payload: Any) -> None:
    response = await http.post("/graphql", json=payload)
    _assert_clean(response)
    assert response.status_code == 400
    assert _codes(response.json()) == ["BAD_USER_INPUT"]


async def test_unknown_field_is_bad_user_input(gql: GraphQLClient) -> None:
    response = await gql.post("{ cities { slug nope } }")
    _assert_clean(response)
    assert response.status_code == 400
    body = response.json()
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert "nope" in body["errors"][0]["message"]


async def test_wrong_variable_type_is_bad_user_input_and_not_echoed(gql: GraphQLClient) -> None:
    response = await gql.post("query Q($n: Int!) { cities { slug } }", {"n": "+91 98765 43210"})
    _assert_clean(response)
    assert response.status_code == 400
    assert set(_codes(response.json())) == {"BAD_USER_INPUT"}
    assert "98765" not in response.text


async def test_syntax_error_is_bad_user_input(gql: GraphQLClient) -> None:
    response = await gql.post("{ cities { slug ")
    _assert_clean(response)
    assert _codes(response.json()) == ["BAD_USER_INPUT"]


async def test_depth_30_is_too_complex(gql: GraphQLClient) -> None:
    nested = "{ " + "cities { " * 30 + "slug" + " }" * 30 + " }"
    response = await gql.post(nested)
    _assert_clean(response)
    assert response.status_code == 400
    assert "QUERY_TOO_COMPLEX" in _codes(response.json())


async def test_sixteen_aliases_are_too_complex(gql: GraphQLClient) -> None:
    ok = "{ " + " ".join(f"a{i}: cities {{ slug }}" for i in range(15)) + " }"
    assert (await gql.post(ok)).status_code == 200
    query = "{ " + " ".join(f"a{i}: cities {{ slug }}" for i in range(16)) + " }"
    response = await gql.post(query)
    _assert_clean(response)
    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_three_thousand_tokens_are_too_complex(gql: GraphQLClient) -> None:
    query = "{ cities { " + " ".join(["slug"] * 3000) + " } }"
    response = await gql.post(query)
    _assert_clean(response)
    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_too_many_directives_are_too_complex(gql: GraphQLClient) -> None:
    query = "{ cities { " + " ".join(["slug @include(if: true)"] * 51) + " } }"
    response = await gql.post(query)
    _assert_clean(response)
    assert _codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_two_mib_body_is_413(http: Any) -> None:
    padding = "x" * (2 * 1024 * 1024)
    response = await http.post(
        "/graphql",
        content=('{"query": "{ cities { slug } }", "pad": "' + padding + '"}').encode(),
        headers={"content-type": "application/json"},
    )
    _assert_clean(response)
    assert response.status_code == 413
    assert _codes(response.json()) == ["BAD_USER_INPUT"]


async def test_two_mib_chunked_body_is_413(http: Any) -> None:
    async def chunks() -> Any:
        yield b'{"query": "{ cities { slug } }", "pad": "'
        for _ in range(64):
            yield b"x" * 32768
        yield b'"}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert _codes(response.json()) == ["BAD_USER_INPUT"]


async def test_get_runs_queries(http: Any) -> None:
    response = await http.get(
        "/graphql", params={"query": "{ cities { slug } }"}, headers={"X-HMSDESK-Client": "tests"}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"cities": []}


async def test_mutation_over_get_is_refused(http: Any) -> None:
    response = await http.get(
        "/graphql", params={"query": "mutation { x }"}, headers={"X-HMSDESK-Client": "tests"}
    )
    _assert_clean(response)
    assert response.status_code in {400, 405}
    assert _codes(response.json()) == ["BAD_USER_INPUT"]


async def test_unexpected_errors_are_masked(gql: GraphQLClient, monkeypatch: Any) -> None:
    from hmsdesk_graph.db import models

    def explode(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("SELECT secret FROM patient WHERE phone = '9876543210'")

    monkeypatch.setattr(models.City, "all", classmethod(explode))
    response = await gql.post("{ cities { slug } }")
    _assert_clean(response)
    body = response.json()
    assert _codes(body) == ["INTERNAL"]
    assert "SELECT" not in response.text and "9876543210" not in response.text


async def test_health_and_readiness(http: Any) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
