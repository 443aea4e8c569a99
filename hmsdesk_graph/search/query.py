"""Building blocks shared by the search screens: text match, distance, keyset conditions.

All scores and sort keys are integers so that a keyset cursor compares exactly on both
databases; distance uses an equirectangular approximation (exact enough within 100 km) with
squared kilometres, so neither backend needs trigonometry in SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hmsdesk_graph.db import lexicon
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.pagination import Key
from hmsdesk_graph.search.text import TextQuery

KM_PER_DEGREE = 111.32
MAX_RADIUS_KM = 100.0


@dataclass(frozen=True)
class Near:
    """A point and a radius (km) to search around."""

    lat: float
    lng: float
    radius_km: float

    @classmethod
    def checked(cls, lat: float, lng: float, radius_km: float) -> Near:
        if not -90 <= lat <= 90:
            raise BadUserInput(f"near.lat must be between -90 and 90; got {lat}.", argument="near")
        if not -180 <= lng <= 180:
            raise BadUserInput(
                f"near.lng must be between -180 and 180; got {lng}.", argument="near"
            )
        if not 0 < radius_km <= MAX_RADIUS_KM:
            raise BadUserInput(
                f"near.radiusKm must be more than 0 and at most {MAX_RADIUS_KM:g};"
                f" got {radius_km}.",
                argument="near",
            )
        return cls(lat, lng, radius_km)

    def distance_km(self, lat: float | None, lng: float | None) -> float | None:
        """Distance to a point, with the same approximation as the SQL."""
        if lat is None or lng is None:
            return None
        dy = (lat - self.lat) * KM_PER_DEGREE
        dx = (lng - self.lng) * KM_PER_DEGREE * math.cos(math.radians(self.lat))
        return round(math.sqrt(dx * dx + dy * dy), 2)

    def distance_sq(self, lat: float, lng: float) -> float:
        """Squared distance in km², computed exactly as the SQL computes it."""
        k = KM_PER_DEGREE * math.cos(math.radians(self.lat))
        dy = (lat - self.lat) * KM_PER_DEGREE
        dx = (lng - self.lng) * k
        return dy * dy + dx * dx


def nearest_of(near: Near, places: list[tuple[int, float, float]]) -> tuple[int, float] | None:
    """The (id, km) of the nearest of `(id, lat, lng)` places, ties to the lowest id.

    Ranks by the same integer key as the SQL sort, so the card names the practice the
    DISTANCE order was decided by.
    """
    best: tuple[int, int] | None = None
    for place_id, lat, lng in places:
        key = (int(near.distance_sq(lat, lng) * 1000000), place_id)
        if best is None or key < best:
            best = key
    if best is None:
        return None
    _, place_id = best
    lat, lng = next((la, ln) for i, la, ln in places if i == place_id)
    km = near.distance_km(lat, lng)
    return place_id, 0.0 if km is None else km


def distance_sq_expr(q: SqlBuilder, near: Near, alias: str = "t") -> str:
    """Squared distance in km², as SQL."""
    k = KM_PER_DEGREE * math.cos(math.radians(near.lat))
    dy = f"(({alias}.lat - {q.p(near.lat)}) * {KM_PER_DEGREE})"
    dx = f"(({alias}.lng - {q.p(near.lng)}) * {q.p(k)})"
    return f"({dy} * {dy} + {dx} * {dx})"


def near_conditions(q: SqlBuilder, near: Near, alias: str = "t") -> list[str]:
    """A bounding box (index-friendly) and the exact radius test."""
    dlat = near.radius_km / KM_PER_DEGREE
    dlng = near.radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(near.lat)), 0.01))
    return [
        f"{alias}.lat BETWEEN {q.p(near.lat - dlat)} AND {q.p(near.lat + dlat)}",
        f"{alias}.lng BETWEEN {q.p(near.lng - dlng)} AND {q.p(near.lng + dlng)}",
        f"{distance_sq_expr(q, near, alias)} <= {q.p(near.radius_km**2)}",
    ]


def distance_key_expr(q: SqlBuilder, near: Near, alias: str = "t") -> str:
    """Squared distance as an integer (m²), for exact keyset comparison."""
    return f"CAST({distance_sq_expr(q, near, alias)} * 1000000 AS BIGINT)"


# A practitioner is as near as their nearest practice: the practices' places are the hospitals'
# (and clinics') own coordinates, so nothing derived has to be kept in step with them.
_PRACTICES = "practitioner_role r JOIN hospital h ON h.id = r.hospital_id"


def near_practice_condition(q: SqlBuilder, near: Near, alias: str = "t") -> str:
    """Any of the practitioner's practices lies within the radius.

    The bounding box runs on the hospital (lat, lng) index, the practices of those hospitals
    come from the (hospital_id, practitioner_id) index; only then is the exact radius tested.
    """
    within = " AND ".join(near_conditions(q, near, "h"))
    test = f"{alias}.id IN (SELECT r.practitioner_id FROM {_PRACTICES} WHERE {within})"
    # PostgreSQL expects ~3k practices in a radius that holds ~22k, and joined them by probing
    # the city index per practitioner (~50 ms on medium); inside `IS TRUE` the test stays one
    # hashed set, checked in one pass of the city's rows.
    return f"({test}) IS TRUE" if q.postgres else test


def nearest_practices_sql(q: SqlBuilder, near: Near, among: str | None = None) -> str:
    """Per practitioner with a practice within the radius, the distance key (m²) of the nearest.

    The nearest practice of someone with any practice in the radius is itself in the radius,
    so the minimum over the matching practices is the practitioner's distance. `among`, an
    SQL query of practitioner ids, keeps only theirs. Columns: `practitioner_id`,
    `distance_key`.
    """
    within = " AND ".join(near_conditions(q, near, "h"))
    if among is not None:
        within += f" AND r.practitioner_id IN ({among})"
    return (
        f"SELECT r.practitioner_id, MIN({distance_key_expr(q, near, 'h')}) AS distance_key"
        f" FROM {_PRACTICES} WHERE {within} GROUP BY r.practitioner_id"
    )


def text_condition(q: SqlBuilder, text: TextQuery, table: str, alias: str = "t") -> str:
    """Every term matches the row's search document (as a prefix)."""
    terms = [t for t in text.terms if t.isalnum()]
    if q.postgres:
        if terms and all(t.isascii() and t == t.lower() for t in terms):
            # Each prefix spelt out as the words it starts (`db.lexicon`): one InitPlan.
            spelt = " || ' & ' || ".join(
                lexicon.spelt_out(q.p(t), q.p(lexicon.above_prefix(t))) for t in terms
            )
            return f"{alias}.search_vector @@ (SELECT CAST({spelt} AS tsquery))"
        tsquery = " & ".join(f"{t}:*" for t in terms)
        return f"{alias}.search_vector @@ to_tsquery('simple', {q.p(tsquery)})"
    match = " ".join(f'"{t}"*' for t in terms)
    return f"{alias}.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH {q.p(match)})"


def set_filters(q: SqlBuilder, *filters: tuple[str, object]) -> list[str]:
    """``"<column> <operator> <parameter>"`` for each ``(column and operator, value)`` that is set.

    A value of None means the filter is not asked for; False and 0 are filters like any other.
    """
    return [f"{test} {q.p(value)}" for test, value in filters if value is not None]


def name_match_expr(q: SqlBuilder, text: TextQuery, alias: str = "t") -> str:
    """1 when the whole query appears in the name, else 0."""
    phrase = " ".join(text.terms)
    return f"(CASE WHEN {q.lower_like(f'{alias}.name', phrase)} THEN 1 ELSE 0 END)"


@dataclass(frozen=True)
class SortKey:
    """One column of a sort: an SQL expression, its result alias and its direction."""

    expr: str
    alias: str
    descending: bool


def keyset_condition(q: SqlBuilder, keys: list[SortKey], after: Key) -> str:
    """Rows strictly after `after` in the lexicographic order of `keys`."""
    if len(after) != len(keys):
        raise BadUserInput("`after` is not a cursor of this list.", argument="after")
    clauses = []
    for i, key in enumerate(keys):
        parts = [f"{k.expr} = {q.p(after[j])}" for j, k in enumerate(keys[:i])]
        op = "<" if key.descending else ">"
        parts.append(f"{key.expr} {op} {q.p(after[i])}")
        clauses.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(clauses) + ")"


def order_by(keys: list[SortKey]) -> str:
    return ", ".join(f"{k.alias} {'DESC' if k.descending else 'ASC'}" for k in keys)


def key_of(row: Any, keys: list[SortKey]) -> Key:
    return tuple(None if row[k.alias] is None else int(row[k.alias]) for k in keys)
