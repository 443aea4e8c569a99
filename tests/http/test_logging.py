"""Logs never contain GraphQL variables, query strings or unexpected errors' details to clients."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.conftest import GraphQLClient

SECRET = "+91 98765 00042"


async def test_logs_never_hold_variables(
    gql: GraphQLClient, http: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await gql.post("query Q($p: String) { cities { slug } }", {"p": SECRET})
    await gql.post("query Q($p: Int!) { cities { slug } }", {"p": SECRET})
    await http.get(
        "/graphql",
        params={
            "query": "query Q($p: String) { cities { slug } }",
            "variables": f'{{"p": "{SECRET}"}}',
        },
    )
    ours = [
        r for r in caplog.records if r.name.startswith(("hmsdesk_graph", "strawberry", "uvicorn"))
    ]
    text = "\n".join(r.getMessage() for r in ours)
    assert "GET /graphql 400" in text  # the access log ran
    assert "98765" not in text


async def test_unexpected_error_is_logged_with_context(
    gql: GraphQLClient, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from hmsdesk_graph.db import models

    def explode(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(models.City, "all", classmethod(explode))
    caplog.set_level(logging.ERROR)
    await gql.post("query CitiesPage { cities { slug } }", {"p": SECRET})
    errors = [r for r in caplog.records if r.name == "hmsdesk_graph.errors"]
    assert errors and "CitiesPage" in errors[0].getMessage() and "cities" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert all("98765" not in r.getMessage() for r in caplog.records)
