"""Rows for reviews: one per planned (honoured appointment, target), with realistic words.

Ratings, recommendation and moderation status come from the plan (so the providers' counters
already match); this module adds the words, tags, wait time, author display name and replies.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from hmsdesk_graph.seed.chance import Picker, chance, stream
from hmsdesk_graph.seed.clock import DAY, HOUR, MINUTE, at
from hmsdesk_graph.seed.drafts import World
from hmsdesk_graph.seed.people import display_name
from hmsdesk_graph.seed.plan import (
    PENDING,
    PUBLISHED,
    REJECTED,
    REVIEW_STATUS_NAMES,
    VisitPlan,
    decode_review,
)
from hmsdesk_graph.seed.practitioners import is_doctor
from hmsdesk_graph.seed.tables import Row, TableRows
from hmsdesk_graph.seed.visits import People

REPLY_WINDOW = 72 * HOUR  # Settings.review_reply_window_h's default
REVIEW_COLUMNS = (
    "id", "appointment_id", "patient_id", "target_kind", "practitioner_id", "hospital_id",
    "diagnostic_center_id", "rating", "recommend", "tags", "wait_time", "text", "anonymous",
    "author_display_name", "verified_patient", "status", "rejection_reason", "reply_text",
    "replied_at", "created_at", "published_at",
)  # fmt: skip

ANONYMOUS_NAME = "Verified patient"
ANONYMOUS_SHARE = 0.15
_WAITS = ("UNDER_15_MIN", "MIN_15_TO_30", "MIN_30_TO_60", "OVER_60_MIN")
# Wait-time buckets by rating: happy patients rarely waited long.
_WAIT_BY_RATING = {
    rating: Picker(list(_WAITS), weights)
    for rating, weights in {
        1: [5, 15, 35, 45], 2: [10, 20, 35, 35], 3: [20, 35, 30, 15],
        4: [45, 35, 15, 5], 5: [55, 33, 10, 2],
    }.items()
}  # fmt: skip


def _sentiment(rating: int) -> str:
    return "positive" if rating >= 4 else "neutral" if rating == 3 else "negative"


class _Writer:
    def __init__(self, world: World, plan: VisitPlan, people: People) -> None:
        self.world = world
        self.plan = plan
        self.people = people
        self.rng: random.Random = stream(world.seed, "review-rows")
        self.words = world.vocab.reviews

    def _tags(self, kind: str, rating: int) -> list[str]:
        rng = self.rng
        if chance(rng, 0.2):
            return []
        tags = self.words.tags[kind]
        if rating >= 4:
            return rng.sample(tags["positive"], rng.randint(1, 3))
        if rating == 3:
            return [rng.choice(tags["positive"]), rng.choice(tags["negative"])]
        return rng.sample(tags["negative"], rng.randint(1, 2))

    def _text(self, kind: str, rating: int, fill: dict[str, str]) -> str:
        rng = self.rng
        if chance(rng, 0.15):
            return ""
        options = self.words.texts[kind][_sentiment(rating)]
        picked = rng.sample(options, min(len(options), rng.randint(1, 3)))
        return " ".join(sentence.format(**fill) for sentence in picked)

    def _fill(self, kind: str, target_id: int) -> dict[str, str]:
        world = self.world
        if kind == "PRACTITIONER":
            p = world.practitioners[target_id - 1]
            spec = world.vocab.specialties[p.specialties[0]]
            h = world.hospitals[p.hospital_ids[0] - 1]
            return {
                "doctor": f"Dr. {p.last}" if is_doctor(spec) else p.first,
                "pronoun": "She" if p.female else "He",
                "condition": self.rng.choice(spec.conditions).lower(),
                "locality": world.locality(h.locality_id).info.name,
                "name": h.name,
            }
        if kind == "HOSPITAL":
            h = world.hospitals[target_id - 1]
            return {"name": h.name, "locality": world.locality(h.locality_id).info.name}
        c = world.centers[target_id - 1]
        return {"name": c.name, "locality": world.locality(c.locality_id).info.name}

    def row(
        self, review_id: int, appointment_id: int, i: int, kind: str, target_id: int, code: int
    ) -> Row:
        rng = self.rng
        rating, recommend, status = decode_review(code)
        patient_id = self.plan.patient[i]
        created = min(self.plan.slot[i] + rng.randint(2 * HOUR, 5 * DAY), -10 * MINUTE)
        if status == PENDING:
            # Still pending means still inside the provider's reply window (72 h by default):
            # an older one would have been published by now (review_publishing).
            created = max(created, -rng.randint(10 * MINUTE, REPLY_WINDOW - HOUR))
        anonymous = chance(rng, ANONYMOUS_SHARE)
        if anonymous:
            author = ANONYMOUS_NAME
        else:
            first, last = self.people.name_of(patient_id, appointment_id)
            author = display_name(first, last) if first else ANONYMOUS_NAME
        published = reply = replied = rejection = None
        if status == PUBLISHED:
            published = min(created + rng.randint(HOUR, 72 * HOUR), -MINUTE)
            if self._has_partner(kind, target_id) and chance(rng, 0.35):
                first_name = author.split(" ")[0] if not anonymous else "there"
                options = self.words.replies["positive" if rating >= 4 else "negative"]
                reply = rng.choice(options).format(first=first_name)
                replied = at(min(published + rng.randint(6 * HOUR, 10 * DAY), -MINUTE))
        elif status == REJECTED:
            rejection = rng.choice(self.words.rejection_reasons)
        wait = None if chance(rng, 0.2) else _WAIT_BY_RATING[rating].pick(rng)
        return (
            review_id, appointment_id, patient_id or None, kind,
            target_id if kind == "PRACTITIONER" else None,
            target_id if kind == "HOSPITAL" else None,
            target_id if kind == "DIAGNOSTIC_CENTER" else None,
            rating, recommend, self._tags(kind, rating), wait,
            self._text(kind, rating, self._fill(kind, target_id)), anonymous, author, True,
            REVIEW_STATUS_NAMES[status], rejection, reply, replied, at(created),
            at(published) if published is not None else None,
        )  # fmt: skip

    def _has_partner(self, kind: str, target_id: int) -> bool:
        world = self.world
        if kind == "PRACTITIONER":
            return world.practitioners[target_id - 1].partner_id is not None
        if kind == "HOSPITAL":
            return world.hospitals[target_id - 1].partner_id is not None
        return world.centers[target_id - 1].partner_id is not None


def review_rows(world: World, plan: VisitPlan, people: People) -> TableRows:
    """Reviews in the order of their appointments (ids follow booking time)."""
    writer = _Writer(world, plan, people)

    def rows() -> Iterator[Row]:
        review_id = 0
        for position, i in enumerate(plan.order):
            main, hospital = plan.review_main[i], plan.review_hospital[i]
            if not main and not hospital:
                continue
            place = plan.place[i]
            if main:
                review_id += 1
                if place > 0:
                    pid = world.roles[place - 1].practitioner_id
                    yield writer.row(review_id, position + 1, i, "PRACTITIONER", pid, main)
                else:
                    yield writer.row(review_id, position + 1, i, "DIAGNOSTIC_CENTER", -place, main)
            if hospital:
                review_id += 1
                hid = world.roles[place - 1].hospital_id
                yield writer.row(review_id, position + 1, i, "HOSPITAL", hid, hospital)

    return TableRows("review", REVIEW_COLUMNS, rows(), plan.reviews)
