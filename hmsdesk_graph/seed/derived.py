"""The search columns and facet counts, written by the seed with the rows they derive from.

`db.search_index.refresh_search_columns` recomputes them from the tables with one UPDATE per
row (78 s after a medium seed, about 13 minutes after a large one). The seed already holds
every input in memory, so it writes the same values in its bulk load: the practitioners' lowest
fee, video / instant flags, consulting weekdays, main-practice location and search document,
the hospitals' and centers' search documents, the practitioner facet counts
(`db.facet_summary`) and the derived lists of `db.derived` (id lists, reviews per star).
tests/seed/test_derived.py checks that a refresh after a seed changes nothing. (Within a
document, a practitioner's specialty terms come primary first; the refresh reads them in a
join without ORDER BY, so it may order them otherwise: the same words.)
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from hmsdesk_graph.db.facet_summary import ANY_GENDER, ANY_SPECIALTY, fee_bucket
from hmsdesk_graph.seed.drafts import PractitionerDraft, World
from hmsdesk_graph.seed.prices import PriceBook
from hmsdesk_graph.seed.tables import Row, TableRows
from hmsdesk_graph.seed.vocabulary import Vocabulary

PRACTITIONER_SEARCH_COLUMNS = (
    "min_fee_paise", "video_consult", "instant_booking", "available_days", "lat", "lng",
    "search_text",
)  # fmt: skip
# db.derived's id lists of a practitioner, written after the search columns.
PRACTITIONER_ID_LISTS = ("specialty_ids", "locality_ids")
FACET_COUNT_COLUMNS = ("id", "city_id", "specialty_id", "gender", "facet", "value", "ref", "n")
FACET_MEMBER_COLUMNS = ("practitioner_id", "counted")
# The row that tells searches the counts cover everyone (db.facet_summary.mark_built).
_BUILT = (0, ANY_SPECIALTY, ANY_GENDER, "built", "")

Key = tuple[int, int, str, str, str]


_TERMS: dict[tuple[int, int, bool], tuple[str, ...]] = {}


def specialty_terms(vocab: Vocabulary, index: int, symptoms: bool) -> tuple[str, ...]:
    """What a specialty adds to a search document: its name, synonyms (and symptoms)."""
    key = (id(vocab), index, symptoms)
    terms = _TERMS.get(key)
    if terms is None:
        spec = vocab.specialties[index]
        terms = (spec.name, *spec.search_synonyms, *(spec.symptoms if symptoms else ()))
        _TERMS[key] = terms
    return terms


def search_document(parts: Iterable[Any]) -> str:
    """`db.search_index`'s document: the parts' stripped texts, each once, in first order.

    The same result as its list-based version, with a dict for the each-once test (a
    practitioner's document has some 70 parts).
    """
    return " ".join(dict.fromkeys(filter(None, map(str.strip, map(str, parts)))))


@dataclass
class RoleChoices:
    """The per-practice draws of `practitioner_role` rows, made before the practitioners'
    rows need them (booking mode), in the role rows' own random stream and order."""

    mode: list[str]  # by role id - 1
    eligible: bytearray  # instant booking eligible (enough honoured visits)
    phone: bytearray  # the practice has its own phone
    follow_up: array[int]  # free follow-up days


@dataclass
class _Group:
    """Practitioners of one city, gender and set of specialties: what they count, summed."""

    n: int = 0
    localities: Counter[int] = field(default_factory=Counter)
    fees: Counter[str] = field(default_factory=Counter)
    days: list[int] = field(default_factory=lambda: [0] * 7)
    week: int = 0


@dataclass
class FacetTally:
    """The facet counts and members of the practitioners written so far.

    `db.facet_summary` adds each practitioner's contributions one by one (some 60 keys each);
    here practitioners are summed per (city, gender, specialties) first and every group is
    expanded into the same keys once at the end: the same counts, a few increments each.
    """

    groups: dict[tuple[int, str, tuple[int, ...]], _Group] = field(default_factory=dict)
    members: list[tuple[int, str]] = field(default_factory=list)

    def add(self, practitioner_id: int, counted: dict[str, Any]) -> None:
        key = (int(counted["c"]), str(counted["g"]), tuple(counted["s"]))
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group()
        group.n += 1
        group.localities.update(counted["l"])
        if counted["f"] is not None:
            group.fees[counted["f"]] += 1
        days = int(counted["d"])
        for bit in range(7):
            if days & (1 << bit):
                group.days[bit] += 1
        if days & 0b1111111:
            group.week += 1
        self.members.append((practitioner_id, orjson.dumps(counted).decode()))

    def counts(self) -> dict[Key, tuple[int, int]]:
        """Every (city, specialty, gender, facet, value) -> (count, referenced id)."""
        out: dict[Key, tuple[int, int]] = {}

        def add(key: Key, n: int, ref: int = 0) -> None:
            if n:
                out[key] = (out.get(key, (0, ref))[0] + n, ref)

        for (city, gender, specialties), group in self.groups.items():
            for specialty in (ANY_SPECIALTY, *specialties):
                for g in (ANY_GENDER, gender):
                    base = (city, specialty, g)
                    add((*base, "total", ""), group.n)
                    for locality, n in group.localities.items():
                        add((*base, "loc", str(locality)), n, locality)
                    for bucket, n in group.fees.items():
                        add((*base, "fee", bucket), n)
                    for bit, n in enumerate(group.days):
                        add((*base, "day", str(bit)), n)
                    add((*base, "week", ""), group.week)
                    if specialty == ANY_SPECIALTY:
                        for s in specialties:
                            add((*base, "spec", str(s)), group.n, s)
                    if g == ANY_GENDER:
                        add((*base, "gender", gender), group.n)
        return out

    def count_rows(self) -> TableRows:
        counts = self.counts()
        keys = sorted(counts)

        def rows() -> Iterator[Row]:
            for i, key in enumerate(keys, start=1):
                n, ref = counts[key]
                yield (i, *key, ref, n)
            yield (len(keys) + 1, *_BUILT, 0, 1)

        return TableRows(
            "practitioner_facet_count", FACET_COUNT_COLUMNS, rows(), len(keys) + 1, cheap=True
        )

    def member_rows(self) -> TableRows:
        members = self.members
        return TableRows(
            "practitioner_facet_member", FACET_MEMBER_COLUMNS, members, len(members), cheap=True
        )


def practitioner_search(
    world: World,
    p: PractitionerDraft,
    choices: RoleChoices,
    conditions: list[str],
    services: list[str],
    degrees: list[dict[str, Any]],
    facets: FacetTally,
) -> Row:
    """The practitioner's search columns and id lists (PRACTITIONER_SEARCH_COLUMNS, then
    PRACTITIONER_ID_LISTS); counts its facets."""
    vocab = world.vocab
    roles = sorted((world.roles[r - 1] for r in p.role_ids), key=lambda r: (r.fee_paise, r.id))
    hospitals = [world.hospitals[r.hospital_id - 1] for r in roles]
    mask = 0
    for role in roles:
        for weekday, _start, _end in role.sessions:
            mask |= 1 << weekday
    parts = [f"{p.first} {p.last}"]
    for i in p.specialties:
        parts += specialty_terms(vocab, i, True)
    parts += conditions
    parts += services
    parts += [d.get("degree", "") for d in degrees]
    parts += [h.name for h in hospitals]
    parts += [world.localities[h.locality_id - 1].info.name for h in hospitals]
    document = search_document(parts)
    fee = roles[0].fee_paise if roles else None
    main = hospitals[0] if hospitals else None
    if p.active:
        facets.add(
            p.id,
            {
                "c": p.city + 1,
                "g": "FEMALE" if p.female else "MALE",
                "f": None if fee is None else fee_bucket(fee),
                "d": mask,
                "s": sorted({i + 1 for i in p.specialties}),
                "l": sorted({h.locality_id for h in hospitals}),
            },
        )
    return (
        fee,
        any(r.video_fee_paise is not None for r in roles),
        any(choices.mode[r.id - 1] == "INSTANT" and choices.eligible[r.id - 1] for r in roles),
        mask,
        main.lat if main else None,
        main.lng if main else None,
        document,
        sorted({i + 1 for i in p.specialties}),
        sorted({h.locality_id for h in hospitals}),
    )


def hospital_document(
    world: World, h_index: int, accreditations: list[dict[str, str]], amenities: list[str]
) -> str:
    h = world.hospitals[h_index]
    vocab = world.vocab
    return search_document(
        [
            h.name,
            h.kind.replace("_", " ").lower(),
            world.locality(h.locality_id).info.name,
            *(
                term
                for s in sorted(h.specialty_ids)
                for term in specialty_terms(vocab, s - 1, False)
            ),
            *(a.get("name", "") for a in accreditations),
            *amenities,
        ]
    )


class CenterTests:
    """The lab tests each center's packages hold, in package order (for its search document)."""

    def __init__(self, world: World, book: PriceBook) -> None:
        self.world = world
        self.book = book
        self._by_package: dict[int, list[int]] | None = None

    def document(self, c_index: int, accreditations: list[dict[str, str]]) -> str:
        if self._by_package is None:
            self._by_package = {}
            for package_id, test_id in self.book.lab_links:
                self._by_package.setdefault(package_id, []).append(test_id)
        c = self.world.centers[c_index]
        first, count = self.book.center_first[c.id], self.book.center_count[c.id]
        tests: dict[int, None] = {}
        for package_id in range(first, first + count) if count else ():
            for test_id in self._by_package.get(package_id, ()):
                tests[test_id] = None
        lab_tests = self.world.vocab.lab_tests
        return search_document(
            [
                c.name,
                self.world.locality(c.locality_id).info.name,
                *(a.get("name", "") for a in accreditations),
                *(w for t in tests for w in (lab_tests[t - 1].name, *lab_tests[t - 1].synonyms)),
            ]
        )
