"""The command line: schema export, in-process queries, serve's refusals."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from hmsdesk_graph.cli import export_schema_sdl
from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models

ROOT = Path(__file__).resolve().parent.parent


def _cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "hmsdesk_graph", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=120,
        cwd=ROOT,
    )


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_schema_sdl(), (
        "schema/schema.graphql is stale: run `hmsdesk-graph export-schema > schema/schema.graphql`"
    )


def test_export_schema_prints_sdl() -> None:
    result = _cli("export-schema")
    assert result.returncode == 0
    assert "type Query" in result.stdout


def test_bad_configuration_stops_with_a_message() -> None:
    result = _cli("migrate", env={"HMSDESK_MAX_DEPTH": "deep"})
    assert result.returncode == 2
    assert "HMSDESK_MAX_DEPTH" in result.stderr and "deep" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'x.sqlite3'}"
    result = _cli("serve", "--workers", "2", env={"HMSDESK_DATABASE_URL": url})
    assert result.returncode == 2
    assert "SQLite" in result.stderr


async def test_query_json_and_csv(db: Settings) -> None:
    await models.City.create(slug="pune", name="Pune", state="Maharashtra", lat=18.52, lng=73.85)
    env = {"HMSDESK_DATABASE_URL": db.database_url}
    result = _cli("query", "-e", "{ cities { slug name } }", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"data": {"cities": [{"slug": "pune", "name": "Pune"}]}}

    bad = _cli("query", "-e", "{ cities { nope } }", env=env)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    as_csv = _cli("query", "-", "--format", "csv", env=env, stdin="{ cities { slug lat } }")
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["slug", "lat"], ["pune", "18.52"]]


def test_seed_today_takes_a_date(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'x.sqlite3'}"
    result = _cli("seed", "--today", "tomorrow", env={"HMSDESK_DATABASE_URL": url})
    assert result.returncode == 2
    assert "--today" in result.stderr and "Traceback" not in result.stderr


async def test_csv_flattens_edge_fields_and_nested_lists(db: Settings) -> None:
    from hmsdesk_graph.db.crypto import FieldCipher
    from tests.factories import build_dataset

    await build_dataset(FieldCipher(db.field_encryption_key))
    env = {"HMSDESK_DATABASE_URL": db.database_url}
    document = (
        '{ searchPractitioners(city: "pune", near: {lat: 18.5074, lng: 73.8077}, first: 3)'
        " { totalCount pageInfo { hasNextPage } edges { sponsored distanceKm"
        " node { slug languages specialties { slug name } } } } }"
    )
    as_json = _cli("query", "-e", document, env=env)
    assert as_json.returncode == 0, as_json.stderr
    edges = json.loads(as_json.stdout)["data"]["searchPractitioners"]["edges"]
    assert edges

    as_csv = _cli("query", "-e", document, "--format", "csv", env=env)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(rows[0]) == [
        "slug", "languages", "specialties.slug", "specialties.name",
        "edge.sponsored", "edge.distanceKm",
    ]  # fmt: skip
    assert len(rows) == len(edges)
    for row, edge in zip(rows, edges, strict=True):
        node = edge["node"]
        assert row["edge.sponsored"] == ("true" if edge["sponsored"] else "false")
        assert row["edge.distanceKm"] == (
            "" if edge["distanceKm"] is None else str(edge["distanceKm"])
        )
        assert row["languages"] == "; ".join(node["languages"])
        assert row["specialties.slug"] == "; ".join(s["slug"] for s in node["specialties"])
        assert row["specialties.name"] == "; ".join(s["name"] for s in node["specialties"])
    assert any(r["edge.distanceKm"] for r in rows)
    # What has no place in a row is named, not dropped silently.
    assert "searchPractitioners.totalCount" in as_csv.stderr
    assert "searchPractitioners.pageInfo" in as_csv.stderr
