"""The cost-growth line's arguments and table, from given numbers (never a time measured)."""

from __future__ import annotations

import pytest

from bench.cli import parser
from bench.growth import (
    GrowthArgumentError,
    GrowthRow,
    format_growth,
    parse_databases,
    parse_scales,
    ratio,
)
from bench.operations import discover

SCALES = ["small", "medium", "large"]


def test_scales_are_checked_and_kept_in_order() -> None:
    assert parse_scales("small, medium,large", SCALES) == SCALES
    for bad in ("medium", "medium,medium", "small,huge", ""):
        with pytest.raises(GrowthArgumentError):
            parse_scales(bad, SCALES)


def test_databases_are_given_per_scale() -> None:
    urls = ["medium=postgres://u@h:5432/bench_medium", "large=postgres://u@h/x?a=b"]
    assert parse_databases(urls, SCALES) == {
        "medium": "postgres://u@h:5432/bench_medium",
        "large": "postgres://u@h/x?a=b",
    }
    for bad in (["medium"], ["huge=sqlite://x"], ["large="]):
        with pytest.raises(GrowthArgumentError):
            parse_databases(bad, SCALES)


def test_the_table_shows_each_scale_the_ratio_and_the_target() -> None:
    rows = [
        GrowthRow("searchList", "list", {"small": 3.0, "medium": 4.0, "large": 5.0}),
        GrowthRow("webSearchPractitioners", "facet", {"small": 5.0, "medium": 6.0, "large": 15.0}),
        GrowthRow("hospitalProfile", "profile", {"small": 2.0, "medium": None, "large": 2.5}),
    ]
    assert ratio(rows[0], SCALES) == pytest.approx(1.25)
    assert ratio(rows[2], SCALES) is None
    text = format_growth(rows, SCALES, 6, ["no --reuse"])
    lines = text.splitlines()
    assert lines[0].startswith("Cost growth: p50 ms at concurrency 1, 6 s per screen")
    assert lines[1].split() == ["screen", "operation", *SCALES, "large÷medium", "target"]
    assert lines[2].split() == [
        "list",
        "searchList",
        "3.0",
        "4.0",
        "5.0",
        "1.25x",
        "≤",
        "1.5x",
        "within",
    ]
    assert lines[3].split()[-4:] == ["2.50x", "≤", "2x", "OVER"]
    assert lines[4].split() == ["profile", "hospitalProfile", "2.0", "-", "2.5", "-", "≤", "1.5x"]
    assert lines[5] == "note: no --reuse"


def test_the_growth_screens_are_operations_the_clients_send() -> None:
    from bench.growth import GROWTH_SCREENS

    names = {op.name for op in discover()}
    assert set(GROWTH_SCREENS) <= names
    assert set(GROWTH_SCREENS.values()) == {"list", "profile", "facet"}


def test_the_command_line_takes_the_large_scale_and_a_growth_line() -> None:
    args = parser().parse_args(
        ["--growth", "small,medium,large", "--growth-database", "large=postgres://h/bench_large"]
    )
    assert args.growth == "small,medium,large"
    assert args.growth_database == ["large=postgres://h/bench_large"]
    assert parser().parse_args(["--scale", "large"]).scale == "large"
