"""Length and word limits of free text in arguments, checked before any processing (issue 12).

Every string an operation sends (literal or variable, however deeply nested in input objects
and lists) is checked against the limit of where it goes: review and reply text, names and
search text have their own; any other string (slugs, IDs, keys, cursors, dates, notes) gets
the generic `HMSDESK_TEXT_MAX_CHARS`. The checks are linear and stop at the first character
or word over the limit, so a megabyte of text costs one pass at most. Refusals name the
argument, never the value.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import BadUserInput


@dataclass(frozen=True)
class TextLimit:
    """The most characters (and words, when prose) one string may have."""

    max_chars: int
    max_words: int | None = None


def check_text(text: str, argument: str, limit: TextLimit) -> None:
    """Refuse `text` over `limit`, naming `argument` (never the text)."""
    if len(text) > limit.max_chars:
        raise BadUserInput(
            f"{argument} must be at most {limit.max_chars} characters.", argument=argument
        )
    if limit.max_words is None:
        return
    # Counting word starts is linear and stops early; split() would copy the text first.
    words = 0
    in_word = False
    for char in text:
        if char.isspace():
            in_word = False
        elif not in_word:
            in_word = True
            words += 1
            if words > limit.max_words:
                raise BadUserInput(
                    f"{argument} must be at most {limit.max_words} words.", argument=argument
                )


@dataclass(frozen=True)
class TextLimits:
    """Limits by schema coordinate (`Type.field.argument` or `InputType.field`)."""

    by_coordinate: dict[str, TextLimit]
    default: TextLimit

    def for_coordinate(self, coordinate: str) -> TextLimit:
        return self.by_coordinate.get(coordinate, self.default)

    @classmethod
    def from_settings(cls, settings: Settings) -> TextLimits:
        search = TextLimit(settings.search_text_max_chars, settings.search_text_max_words)
        prose = TextLimit(settings.review_text_max_chars, settings.review_text_max_words)
        name = TextLimit(settings.name_max_chars, settings.name_max_words)
        note = TextLimit(500, 100)  # a moderation reason (stored cut to 200)
        by_coordinate = {
            # Search boxes (the resolvers check them too, with the same message).
            "Query.searchPractitioners.query": search,
            "Query.searchHospitals.query": search,
            "Query.searchDiagnosticCenters.query": search,
            "Query.searchPackages.query": search,
            "Query.labTests.query": search,
            "Query.suggest.prefix": search,
            # Prose that is stored and shown (contact scrubbing runs on it).
            "SubmitReviewInput.text": prose,
            "Mutation.replyToReview.text": prose,
            "Mutation.moderateReview.reason": note,
            # Names people and partners type.
            "GuestInput.name": name,
            "CreateCampaignInput.name": TextLimit(128, 20),
            "PricePackageInput.name": TextLimit(200, 40),
            "GuestInput.phone": TextLimit(32),
            "BookAppointmentInput.idempotencyKey": TextLimit(128),
        }
        return cls(by_coordinate, TextLimit(settings.text_max_chars))
