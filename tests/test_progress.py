"""The stderr progress bar used by long commands."""

from __future__ import annotations

import io

from hmsdesk_graph.progress import Progress


def test_plain_output_prints_about_every_ten_percent() -> None:
    out = io.StringIO()
    with Progress("rows", 1000, stream=out) as bar:
        for _ in range(100):
            bar.advance(10)
    lines = out.getvalue().splitlines()
    assert 10 <= len(lines) <= 11
    assert lines[-1].startswith("rows") and "100.0%" in lines[-1] and "1,000/1,000" in lines[-1]


def test_disabled_progress_is_silent_but_counts() -> None:
    out = io.StringIO()
    bar = Progress("rows", 5, enabled=False, stream=out)
    bar.advance(5)
    bar.close()
    bar.close()
    assert bar.done == 5
    assert out.getvalue() == ""


def test_terminal_output_redraws_one_line() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    with Progress("copy", 0, stream=out, unit="files") as bar:
        bar.advance(3)
    text = out.getvalue()
    assert "\r" in text and text.endswith("\n") and text.count("\n") == 1
    assert "3 files" in text
