"""Logs: one request id per request on every line, JSON in production, never variables."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from hmsdesk_graph.config import load_settings
from hmsdesk_graph.ops.logs import JsonFormatter, RequestIdFilter, log_config, log_format
from tests.conftest import GraphQLClient

SECRET = "+91 98765 00042"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every record logged during the test, as the production JSON handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


SERVER_LOGGERS = ("hmsdesk_graph", "uvicorn", "strawberry", "tortoise", "asyncpg", "aiosqlite")


def _entries(stream: io.StringIO) -> list[dict[str, Any]]:
    """The server's entries (the test's own httpx client logs its URLs: not the server's)."""
    entries = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [e for e in entries if e["logger"].startswith(SERVER_LOGGERS)]


def _text(stream: io.StringIO) -> str:
    return "\n".join(json.dumps(e) for e in _entries(stream))


def test_json_in_production_text_in_development() -> None:
    assert log_format(load_settings({})) == "text"
    production = load_settings(
        {"HMSDESK_ENV": "production", "HMSDESK_DATABASE_URL": "postgres://x@127.0.0.1/db"},
        secret_key="s" * 40,
        field_encryption_key="aG1zZGVzay10ZXN0LWZpZWxkLWtleS0zMi1ieXRlcyE=",
    )
    assert log_format(production) == "json"
    formatter = log_config(production)["formatters"]["default"]
    assert formatter["()"].endswith("JsonFormatter")
    assert log_format(load_settings({"HMSDESK_LOG_FORMAT": "json"})) == "json"


async def test_request_id_is_generated_echoed_and_on_every_line(
    gql: GraphQLClient, json_lines: io.StringIO
) -> None:
    # An unknown field: the error path logs too (at debug), inside the request.
    response = await gql.post("query Q($p: String) { cities { nope } }", {"p": SECRET})
    rid = response.headers["x-request-id"]
    assert len(rid) == 32
    entries = _entries(json_lines)
    ours = [e for e in entries if e["request_id"] == rid]
    assert len(ours) >= 2, entries  # the client-error line and the access line
    assert all(e["request_id"] == rid for e in entries if e["logger"].startswith("hmsdesk_graph"))
    access = next(e for e in ours if e["logger"] == "hmsdesk_graph.access")
    assert access["method"] == "POST" and access["path"] == "/graphql"
    assert access["status"] == 400 and set(access["error_codes"]) == {"BAD_USER_INPUT"}
    assert "98765" not in _text(json_lines)


async def test_a_client_request_id_is_kept_and_a_bad_one_replaced(
    http: Any, json_lines: io.StringIO
) -> None:
    kept = await http.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert kept.headers["x-request-id"] == "lb-7f3a9c21-0001"
    bad = await http.get("/healthz", headers={"X-Request-ID": f"x\n{SECRET} forged line"})
    assert bad.headers["x-request-id"] != f"x\n{SECRET} forged line"
    assert len(bad.headers["x-request-id"]) == 32
    first, second = await http.get("/healthz"), await http.get("/healthz")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert "98765" not in _text(json_lines)
    assert "lb-7f3a9c21-0001" in {e["request_id"] for e in _entries(json_lines)}


async def test_paths_we_do_not_serve_are_not_logged(http: Any, json_lines: io.StringIO) -> None:
    response = await http.get("/patients/priya.s@example.com")
    assert response.status_code == 404
    text = _text(json_lines)
    assert "priya" not in text and "(unmatched)" in text


def test_cli_has_no_tortoise_noise(database_url: str) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env["HMSDESK_DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "hmsdesk_graph", "query", "-e", "{ cities { slug } }"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Tortoise-ORM" not in result.stderr
    assert result.stderr.strip() == ""
