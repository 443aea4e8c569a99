"""The fixed registry of outbound message templates and the checks on their parameters.

Messages are templates only (Indian SMS rules require pre-registered templates anyway), and
every parameter has a narrow kind: references, slugs, date-times, choices. Nothing in a
message can carry free text, so no name, phone number or medical detail can slip into one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


class InvalidMessage(ValueError):
    """A message does not fit its template (unknown template or parameter, bad value)."""


ParamCheck = Callable[[str], bool]

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Recipient: an opaque reference such as ``pat_8f3k2m9q``, resolved by the messaging service.
RECIPIENT_REF = re.compile(r"[a-z]{2,8}_[A-Za-z0-9]{6,64}")


def ref(prefix: str) -> ParamCheck:
    """An opaque reference with a fixed prefix, e.g. ``apt_7Hq2k9Xz``."""
    pattern = re.compile(re.escape(prefix) + r"_[A-Za-z0-9]{6,64}")
    return lambda value: pattern.fullmatch(value) is not None


def slug(value: str) -> bool:
    return len(value) <= 120 and _SLUG.fullmatch(value) is not None


def instant(value: str) -> bool:
    """An ISO 8601 date-time with its UTC offset."""
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def choice(*allowed: str) -> ParamCheck:
    options = frozenset(allowed)
    return lambda value: value in options


LOCALE = choice("en", "hi", "mr")


@dataclass(frozen=True)
class Template:
    name: str
    required: Mapping[str, ParamCheck]
    optional: Mapping[str, ParamCheck] = field(default_factory=dict)

    def validate(self, params: Mapping[str, str]) -> dict[str, str]:
        """Return the params as a plain dict, or raise InvalidMessage naming the problem."""
        unknown = sorted(set(params) - set(self.required) - set(self.optional))
        if unknown:
            raise InvalidMessage(f"template {self.name!r} has no parameter(s) {unknown}")
        missing = sorted(set(self.required) - set(params))
        if missing:
            raise InvalidMessage(f"template {self.name!r} needs parameter(s) {missing}")
        checks = {**self.required, **self.optional}
        for key, value in params.items():
            # The value itself is never echoed: it might be the very data we refuse.
            if not isinstance(value, str) or not checks[key](value):
                raise InvalidMessage(f"template {self.name!r}: parameter {key!r} is not valid")
        return dict(params)


APPOINTMENT = ref("apt")

TEMPLATES: Mapping[str, Template] = {
    t.name: t
    for t in (
        Template(
            "feedback_request",
            required={"appointment_ref": APPOINTMENT, "practitioner_slug": slug},
            optional={"locale": LOCALE},
        ),
        Template(
            "booking_confirmation",
            required={"appointment_ref": APPOINTMENT, "slot_at": instant},
            optional={"practitioner_slug": slug, "hospital_slug": slug, "locale": LOCALE},
        ),
        Template(
            "appointment_reminder",
            required={"appointment_ref": APPOINTMENT, "slot_at": instant},
            optional={"locale": LOCALE},
        ),
        Template(
            "booking_cancellation",
            required={"appointment_ref": APPOINTMENT},
            optional={"locale": LOCALE},
        ),
    )
}


def get_template(name: str) -> Template:
    """The registered template called ``name``, or InvalidMessage."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise InvalidMessage(f"unknown message template {name!r}") from None
