"""The breaking-change gate: a break is refused unless allowed with a reason; additions pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATE = ROOT / "scripts" / "schema_gate.py"
RELEASED = (ROOT / "schema" / "released.graphql").read_text(encoding="utf-8")


def _gate(tmp_path: Path, sdl: str, allowed: str = "") -> subprocess.CompletedProcess[str]:
    (tmp_path / "new.graphql").write_text(sdl, encoding="utf-8")
    (tmp_path / "allowed.txt").write_text(allowed, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            str(GATE),
            "--sdl",
            str(tmp_path / "new.graphql"),
            "--allowed",
            str(tmp_path / "allowed.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _without_cities(sdl: str) -> str:
    """Query.cities renamed: to clients, a removed field."""
    assert sdl.count("\n  cities: [City!]!\n") == 1, "the fixture expects one Query.cities"
    return sdl.replace("\n  cities: [City!]!\n", "\n  citiesRenamed: [City!]!\n")


def test_the_code_passes_the_gate() -> None:
    result = subprocess.run(
        [sys.executable, str(GATE)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_a_removed_field_is_refused(tmp_path: Path) -> None:
    result = _gate(tmp_path, _without_cities(RELEASED))
    assert result.returncode == 1
    assert "BREAKING: FIELD_REMOVED: Field Query.cities was removed." in result.stderr


def test_a_listed_break_with_a_reason_passes(tmp_path: Path) -> None:
    allowed = "FIELD_REMOVED: Field Query.cities was removed. | replaced by searchCities (test)\n"
    result = _gate(tmp_path, _without_cities(RELEASED), allowed)
    assert result.returncode == 0, result.stderr
    assert "breaking but allowed" in result.stdout and "replaced by searchCities" in result.stdout


def test_a_listed_break_without_a_reason_is_refused(tmp_path: Path) -> None:
    allowed = "FIELD_REMOVED: Field Query.cities was removed.\n"
    result = _gate(tmp_path, _without_cities(RELEASED), allowed)
    assert result.returncode == 1
    assert "no reason given" in result.stderr


def test_a_changed_argument_type_is_refused(tmp_path: Path) -> None:
    sdl = RELEASED.replace("type Query {", "type Query {\n  gateProbe(x: Int): Int", 1)
    base = tmp_path / "base"
    base.mkdir()
    (base / "released.graphql").write_text(sdl, encoding="utf-8")
    changed = sdl.replace("gateProbe(x: Int): Int", "gateProbe(x: Int!): Int")
    (tmp_path / "new.graphql").write_text(changed, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            str(GATE),
            "--sdl",
            str(tmp_path / "new.graphql"),
            "--released",
            str(base / "released.graphql"),
            "--allowed",
            str(tmp_path / "none.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "ARG_CHANGED_KIND" in result.stderr


def test_additions_pass(tmp_path: Path) -> None:
    sdl = RELEASED.replace(
        "type Query {", 'type Query {\n  """New."""\n  gateProbe(x: Int = 1): Int', 1
    )
    sdl += "\ntype GateProbeExtra {\n  id: ID!\n}\n"
    result = _gate(tmp_path, sdl)
    assert result.returncode == 0, result.stderr
    assert "BREAKING" not in result.stderr
