"""Removing contact details from free text that others will read (reviews, replies).

Every pattern here runs in time linear in the text: the old single-regex forms backtracked
(a 15,000-character reply took ~10 s). Each regex below is either a literal alternation or
uses possessive quantifiers, so a match attempt never re-scans what an earlier one consumed;
the email scan walks separators and looks left and right of each one exactly once.
"""

from __future__ import annotations

import re

REMOVED = "[contact removed]"

# "@", "(at)" or "[at]": the only places an email address can be anchored.
_EMAIL_SEPARATOR = re.compile(r"@|\(at\)|\[at\]")
# Scanning right of a separator: spaces, then the domain characters (possessive: one pass).
_DOMAIN_RUN = re.compile(r"\s*+([A-Za-z0-9.-]*+)")
# Scanning left of a separator, on the reversed text: spaces, then the local part.
_LOCAL_RUN_REVERSED = re.compile(r"\s*+([A-Za-z0-9._%+-]*+)")
# The longest prefix of a domain run that ends in a dot and two or more letters ("x.in").
# Linear: the greedy run backs off one character at a time and only a dot starts a retry.
_DOMAIN = re.compile(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A run of digits joined by spaces, dots, dashes or brackets, optionally led by + or (.
# Possessive, so a run is consumed once; whether it is a phone number is decided in Python.
_DIGIT_RUN = re.compile(r"[+(]?\d[\d\s().-]*+")
# Ten or more digits make a phone number (an Indian mobile is ten, +91 makes twelve).
_PHONE_DIGITS = 10


def _scrub_emails(text: str) -> str:
    """Replace `local@domain.tld` (also `(at)` / `[at]`, spaces allowed around them)."""
    reversed_text = text[::-1]
    size = len(text)
    pieces: list[str] = []
    done = 0  # text[:done] is already in `pieces`
    for separator in _EMAIL_SEPARATOR.finditer(text):
        start, end = separator.span()
        if start < done:
            continue
        local = _LOCAL_RUN_REVERSED.match(reversed_text, size - start, size - done)
        if local is None or not local.group(1):
            continue
        right = _DOMAIN_RUN.match(text, end)
        if right is None:
            continue
        domain = _DOMAIN.match(right.group(1))
        if domain is None:
            continue
        begin = size - local.end()
        pieces.append(text[done:begin])
        pieces.append(REMOVED)
        done = right.start(1) + domain.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _phone_or_not(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = sum(1 for char in run if char.isdecimal())
    if digits < _PHONE_DIGITS:
        return run
    # The number ends at its last digit; trailing separators stay as they were.
    last = max(i for i, char in enumerate(run) if char.isdecimal())
    return REMOVED + run[last + 1 :]


def scrub_contacts(text: str) -> str:
    """The text with phone numbers and email addresses replaced (linear in the text)."""
    return _DIGIT_RUN.sub(_phone_or_not, _scrub_emails(text))
