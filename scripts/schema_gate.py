#!/usr/bin/env python3
"""Breaking-change gate: the schema the code exports against the last released one.

Compares the SDL exported from the code (or ``--sdl FILE``) with ``schema/released.graphql``
using graphql-core's ``find_breaking_changes`` / ``find_dangerous_changes``. Additions pass.
Dangerous changes (e.g. a value added to an enum clients switch on) are printed as warnings.
A breaking change fails unless ``schema/breaking-allowed.txt`` lists it with a reason:

    Field Query.oldThing was removed. | clients moved to newThing in app 4.2 (ticket 123)

The left part is the change exactly as this script prints it; the reason after ``|`` is
required, so nobody allows a break without saying why. Exit codes: 0 pass, 1 refused, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from graphql import GraphQLSchema, build_schema, find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "schema" / "released.graphql"
ALLOWED = ROOT / "schema" / "breaking-allowed.txt"


@dataclass
class GateResult:
    """What the comparison found, sorted into refused, allowed and warnings."""

    refused: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    dangerous: list[str] = field(default_factory=list)
    bad_allow_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.bad_allow_lines


def parse_allowed(text: str) -> tuple[dict[str, str], list[str]]:
    """The allow file as {change: reason}; lines without a reason are returned as bad."""
    allowed: dict[str, str] = {}
    bad: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        change, sep, reason = line.partition("|")
        if not sep or not reason.strip() or not change.strip():
            bad.append(line)
            continue
        allowed[change.strip()] = reason.strip()
    return allowed, bad


def _describe(change: object) -> str:
    return f"{change.type.name}: {change.description}"  # type: ignore[attr-defined]


def compare(old: GraphQLSchema, new: GraphQLSchema, allowed_text: str = "") -> GateResult:
    """Classify every difference from `old` (released) to `new` (the code)."""
    allowed, bad = parse_allowed(allowed_text)
    result = GateResult(bad_allow_lines=bad)
    for change in find_breaking_changes(old, new):
        text = _describe(change)
        if text in allowed or change.description in allowed:
            reason = allowed.get(text) or allowed[change.description]
            result.allowed.append(f"{text} (allowed: {reason})")
        else:
            result.refused.append(text)
    result.dangerous = [_describe(c) for c in find_dangerous_changes(old, new)]
    return result


def _exported_sdl() -> str:
    from hmsdesk_graph.cli import export_schema_sdl

    return export_schema_sdl()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdl", type=Path, help="compare this SDL file instead of the code's")
    parser.add_argument("--released", type=Path, default=RELEASED)
    parser.add_argument("--allowed", type=Path, default=ALLOWED)
    args = parser.parse_args(argv)
    try:
        old = build_schema(args.released.read_text(encoding="utf-8"))
        new_sdl = args.sdl.read_text(encoding="utf-8") if args.sdl else _exported_sdl()
        new = build_schema(new_sdl)
    except Exception as exc:  # a missing file or an SDL that does not parse
        print(f"schema gate: cannot read a schema: {exc}", file=sys.stderr)
        return 2
    allowed_text = args.allowed.read_text(encoding="utf-8") if args.allowed.exists() else ""
    result = compare(old, new, allowed_text)
    for line in result.dangerous:
        print(f"schema gate: warning (dangerous): {line}")
    for line in result.allowed:
        print(f"schema gate: breaking but allowed: {line}")
    for line in result.bad_allow_lines:
        print(f"schema gate: {args.allowed.name}: no reason given: {line}", file=sys.stderr)
    for line in result.refused:
        print(f"schema gate: BREAKING: {line}", file=sys.stderr)
    if result.refused:
        print(
            f"schema gate: {len(result.refused)} breaking change(s) against {args.released}."
            f" Deprecate instead, or list the change with a reason in {args.allowed}"
            " as 'CHANGE | reason'.",
            file=sys.stderr,
        )
    if result.ok:
        print("schema gate: no unallowed breaking change")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
