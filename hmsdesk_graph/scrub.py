"""Removing contact details from free text that others will read (reviews, replies)."""

from __future__ import annotations

import re

REMOVED = "[contact removed]"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+\s*(?:@|\(at\)|\[at\])\s*[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Ten or more digits, possibly split by spaces, dots, dashes or brackets, with an optional +91.
_PHONE = re.compile(r"(?:\+?\d{1,3}[\s.-]*)?(?:\(?\d[\s().-]*){9,}\d")


def scrub_contacts(text: str) -> str:
    """The text with phone numbers and email addresses replaced."""
    return _PHONE.sub(REMOVED, _EMAIL.sub(REMOVED, text))
