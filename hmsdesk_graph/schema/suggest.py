"""Search-box suggestions: typed tokens the client turns into a search or a profile link."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What a suggestion points at, in the order suggestions come.")
class SuggestionType(Enum):
    SPECIALTY = "SPECIALTY"
    SYMPTOM = "SYMPTOM"
    PRACTITIONER = "PRACTITIONER"
    HOSPITAL = "HOSPITAL"
    DIAGNOSTIC_CENTER = "DIAGNOSTIC_CENTER"
    LAB_TEST = "LAB_TEST"


@strawberry.type(description="One completion for the search box.")
class Suggestion:
    type: SuggestionType
    label: str = strawberry.field(description="What to show (a specialty's canonical name).")
    slug: str = strawberry.field(
        description="The specialty, practitioner, hospital, center or lab test slug; for a "
        "SYMPTOM, the symptom as a slug (search with its label as the query)."
    )
