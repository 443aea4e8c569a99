"""Bounds on search input, checked before any SQL or text processing.

A search box holds a few words; refusing long input up front keeps typo correction (which is
per word) and the database's pattern matching bounded for any request.
"""

from __future__ import annotations

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.guards.text_limits import TextLimit, check_text

MAX_FEE_PAISE = 100_000_000 * 100  # ₹10 crore: above any listed price, inside BIGINT
MAX_YEARS = 100
MAX_REVIEWS = 10_000_000


def check_search_text(text: str | None, argument: str, settings: Settings) -> None:
    """Refuse search text over the length or word limits (without echoing it)."""
    if text is not None:
        limit = TextLimit(settings.search_text_max_chars, settings.search_text_max_words)
        check_text(text, argument, limit)


def check_at_most(value: int | None, limit: int, argument: str) -> None:
    """Refuse a number above a sane bound (so it never overflows a database column)."""
    if value is not None and value > limit:
        raise BadUserInput(f"{argument} must be at most {limit}.", argument=argument)
