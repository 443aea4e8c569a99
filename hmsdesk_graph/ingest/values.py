"""Field parsers for feed rows: rupee amounts to exact paise, dates, slugs and short texts.

Each parser returns the value or raises ``BadValue`` with a message that never repeats the
value it was given (feeds hold no personal data, but error text is kept value-free anyway).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30), "IST")
# ₹1 crore: no single package on a partner price list costs more; above it is a typo.
MAX_PAISE = 10_000_000 * 100
# A price list valid for longer than this is a typo (e.g. year 2207), not a promise.
MAX_VALIDITY = timedelta(days=5 * 366)

_AMOUNT = re.compile(r"(\d{1,10})(?:\.(\d{1,2}))?")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,95}")
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,95}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadValue(ValueError):
    """A field's value is unusable; the message says why without quoting it."""


def text(value: Any, *, required: bool, max_length: int) -> str | None:
    """A trimmed single-line text (None when empty and not required)."""
    if value is None or value == "":
        if required:
            raise BadValue("is required")
        return None
    if not isinstance(value, str):
        raise BadValue("must be text")
    trimmed = value.strip()
    if not trimmed:
        if required:
            raise BadValue("is required")
        return None
    if len(trimmed) > max_length:
        raise BadValue(f"is longer than {max_length} characters")
    if _CONTROL.search(trimmed):
        raise BadValue("contains control characters")
    return trimmed


def external_ref(value: Any) -> str:
    """The partner's row key: letters, digits and ``._:/-``, at most 96 characters."""
    ref = text(value, required=True, max_length=96)
    assert ref is not None
    if _REF.fullmatch(ref) is None:
        raise BadValue("may hold only letters, digits and . _ : / -")
    return ref


def slug(value: Any) -> str | None:
    """A lower-case slug, or None when empty."""
    found = text(value, required=False, max_length=96)
    if found is not None and _SLUG.fullmatch(found) is None:
        raise BadValue("is not a slug (lower-case letters, digits and hyphens)")
    return found


def slugs(value: Any) -> list[str]:
    """Zero or more slugs: a JSON list, or one string with ``|`` between slugs."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        parts: list[Any] = value
    elif isinstance(value, str):
        parts = value.split("|")
    else:
        raise BadValue("must be a slug, slugs separated by |, or a list of slugs")
    found: list[str] = []
    for part in parts:
        one = slug(part)
        if one is None:
            raise BadValue("has an empty slug")
        if one not in found:
            found.append(one)
    return found


def choice(value: Any, allowed: frozenset[str], *, required: bool) -> str | None:
    """One of ``allowed`` (upper-case codes), or None when empty and not required."""
    found = text(value, required=required, max_length=32)
    if found is None:
        return None
    if found not in allowed:
        raise BadValue("is not one of " + ", ".join(sorted(allowed)))
    return found


def paise(value: Any, *, required: bool) -> int | None:
    """Rupees as a decimal string ("1250", "1250.5", "1250.50") to integer paise, exactly.

    JSON integers are whole rupees. JSON numbers with a fraction are refused: they went
    through binary floating point somewhere, and money must not.
    """
    if value is None or value == "":
        if required:
            raise BadValue("is required")
        return None
    if isinstance(value, bool):
        raise BadValue("must be an amount in rupees")
    if isinstance(value, int):
        amount = value * 100
    elif isinstance(value, str):
        match = _AMOUNT.fullmatch(value.strip())
        if match is None:
            raise BadValue("is not an amount in rupees (digits, at most two decimals)")
        whole, fraction = match.group(1), match.group(2) or ""
        amount = int(whole) * 100 + int(fraction.ljust(2, "0"))
    elif isinstance(value, float):
        raise BadValue("must be a decimal string, not a JSON number with a fraction")
    else:
        raise BadValue("must be an amount in rupees")
    if amount <= 0:
        raise BadValue("must be more than zero")
    if amount > MAX_PAISE:
        raise BadValue("is above the sanity limit of 1 crore rupees")
    return amount


def valid_until(value: Any, now: datetime) -> datetime | None:
    """A date (valid through the end of that day in India) or a datetime with an offset."""
    found = text(value, required=False, max_length=40)
    if found is None:
        return None
    try:
        if len(found) == 10:
            day = date.fromisoformat(found)
            until = datetime.combine(day + timedelta(days=1), time(), IST).astimezone(UTC)
        else:
            moment = datetime.fromisoformat(found)
            if moment.tzinfo is None:
                raise BadValue("needs a UTC offset when it has a time")
            until = moment.astimezone(UTC)
    except ValueError as exc:
        if isinstance(exc, BadValue):
            raise
        raise BadValue("is not a date (YYYY-MM-DD) or an ISO 8601 datetime") from None
    if until <= now:
        raise BadValue("is in the past")
    if until - now > MAX_VALIDITY:
        raise BadValue("is more than five years away")
    return until
