"""The stderr progress bar used by long commands."""

from __future__ import annotations

import io

from hmsdesk_graph.ops.progress import Progress


def test_plain_output_prints_about_every_ten_percent() -> None:
    out = io.StringIO()
    with Progress("rows", 1000, stream=out) as bar:
        for _ in range(100):
            bar.advance(10)
    text = out.getvalue()
    lines = text.splitlines()
    assert "\r" not in text  # a log or a pipe gets whole lines, never redraws
    assert 10 <= len(lines) <= 11
    assert lines[0].startswith("rows") and "10%" in lines[0] and "100/1000" in lines[0]
    assert lines[-1].startswith("rows") and "100%" in lines[-1] and "1000/1000" in lines[-1]


def test_plain_output_of_an_unknown_total_is_one_final_line() -> None:
    out = io.StringIO()
    with Progress("ingest-feeds", 0, stream=out, unit="feeds") as bar:
        for _ in range(50):
            bar.advance()
    (line,) = out.getvalue().splitlines()
    assert line.startswith("ingest-feeds") and "50feeds" in line


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
    assert "3files" in text
