"""The benchmark's server runs without a per-client request budget unless asked for one:
it is a single client sending far more than any real client's budget."""

from __future__ import annotations

import pytest

from bench.cli import parser
from bench.server import BUDGET_ENV, server_environment
from hmsdesk_graph.config import load_settings


def test_the_bench_server_has_no_budget_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    url = "sqlite:///tmp/bench.sqlite3"
    assert server_environment(url)[BUDGET_ENV] == "0"
    assert load_settings(server_environment(url)).client_requests_per_minute == 0
    assert server_environment(url, client_budget=50_000)[BUDGET_ENV] == "50000"
    monkeypatch.setenv(BUDGET_ENV, "9000")  # the setting, from the caller's environment
    assert server_environment(url)[BUDGET_ENV] == "9000"
    assert server_environment(url, client_budget=0)[BUDGET_ENV] == "0"  # the flag wins


def test_the_flag() -> None:
    assert parser().parse_args(["--client-budget", "6000"]).client_budget == 6000
    assert parser().parse_args([]).client_budget is None
