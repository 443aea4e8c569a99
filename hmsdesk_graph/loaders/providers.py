"""Batch functions for providers: practitioners, hospitals, centers, practices, specialties."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.models import Model

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, columns, models_from_rows
from hmsdesk_graph.loaders.base import group_keys, grouped_by, in_key_order
from hmsdesk_graph.loaders.lean import lean_rows
from hmsdesk_graph.pagination import Key

M = TypeVar("M", bound=Model)


def rows_by(model: type[M], column: str) -> Callable[[Sequence[Any]], Awaitable[list[M | None]]]:
    """A batch function: the rows of `model` whose `column` (id or slug) is one of the keys,
    in key order (None for a miss), in one statement."""

    async def load(keys: Sequence[Any]) -> list[M | None]:
        q = SqlBuilder()
        match = q.in_ints(keys) if column == "id" else q.in_texts(keys)
        table = model._meta.db_table
        rows = await q.fetch(
            f'SELECT {columns(model, "t")} FROM "{table}" t WHERE t.{column} {match}'
        )
        found = {getattr(row, column): row for row in models_from_rows(model, rows)}
        return in_key_order(keys, found, None)

    return load


load_practitioners = rows_by(models.Practitioner, "id")
load_hospitals = rows_by(models.Hospital, "id")
load_diagnostic_centers = rows_by(models.DiagnosticCenter, "id")
load_cities = rows_by(models.City, "id")
load_localities = rows_by(models.Locality, "id")
load_specialties = rows_by(models.Specialty, "id")
load_lab_tests = rows_by(models.LabTest, "id")
load_roles = rows_by(models.PractitionerRole, "id")
load_cities_by_slug = rows_by(models.City, "slug")
load_specialties_by_slug = rows_by(models.Specialty, "slug")
load_practitioners_by_slug = rows_by(models.Practitioner, "slug")
load_hospitals_by_slug = rows_by(models.Hospital, "slug")
load_diagnostic_centers_by_slug = rows_by(models.DiagnosticCenter, "slug")


def _grouped_by_owner(
    model: type[M], rows: list[dict[str, Any]], keys: Sequence[int], lean: bool = False
) -> list[list[M]]:
    """Rows selected with an `_owner` column as `model` lists, one per key (in row order);
    lean rows (`loaders.lean`) with `lean`."""
    owners = [row.pop("_owner") for row in rows]
    built = lean_rows(model, rows) if lean else models_from_rows(model, rows)
    found = grouped_by(zip(owners, built, strict=True), lambda x: x[0])
    return [[item for _, item in found.get(key, [])] for key in keys]


async def role_rows_by_practitioner(keys: Sequence[int]) -> list[dict[str, Any]]:
    """The practices of these practitioners as rows, by practitioner, cheapest first."""
    q = SqlBuilder()
    return await q.fetch(
        f"SELECT {columns(models.PractitionerRole, 'r')} FROM practitioner_role r"
        f" WHERE r.practitioner_id {q.in_ints(keys)}"
        " ORDER BY r.practitioner_id, r.consultation_fee_paise, r.id"
    )


async def load_roles_by_practitioner(keys: Sequence[int]) -> list[list[models.PractitionerRole]]:
    """Each practitioner's practices, cheapest consultation first."""
    rows = await role_rows_by_practitioner(keys)
    roles = models_from_rows(models.PractitionerRole, rows)
    return in_key_order(keys, grouped_by(roles, lambda r: r.practitioner_id), [])


async def _specialties_through(
    link_table: str, owner_column: str, keys: Sequence[int]
) -> list[list[models.Specialty]]:
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT l.{owner_column} AS _owner, {columns(models.Specialty, 's')}"
        f" FROM {link_table} l JOIN specialty s ON s.id = l.specialty_id"
        f" WHERE l.{owner_column} {q.in_ints(keys)}"
        f" ORDER BY l.{owner_column}, s.name, s.id"
    )
    return _grouped_by_owner(models.Specialty, rows, keys)


async def load_specialties_by_practitioner(keys: Sequence[int]) -> list[list[models.Specialty]]:
    return await _specialties_through("practitioner_specialty", "practitioner_id", keys)


async def load_specialties_by_hospital(keys: Sequence[int]) -> list[list[models.Specialty]]:
    return await _specialties_through("hospital_specialty", "hospital_id", keys)


def _active_at(q: SqlBuilder, hospital_ids: list[int], specialty_id: int | None) -> list[str]:
    """Conditions on `pr` (practice) and `p` (practitioner): active, at one of these hospitals,
    of this specialty when one is given."""
    where = [f"pr.hospital_id {q.in_ints(hospital_ids)}", "p.status = 'ACTIVE'"]
    if specialty_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM practitioner_specialty ps WHERE ps.practitioner_id = p.id"
            f" AND ps.specialty_id = {q.p(specialty_id)})"
        )
    return where


@dataclass(frozen=True)
class HospitalPractitionersKey:
    """One page of a hospital's practitioners (by name, then id)."""

    hospital_id: int
    specialty_id: int | None
    first: int
    after: Key | None


async def practitioner_pages_by_hospital(
    keys: Sequence[HospitalPractitionersKey], lean: bool = False
) -> list[tuple[list[models.Practitioner], int | None]]:
    """Up to first + 1 practitioners per hospital (the extra row tells there is a next page),
    each with the hospital's total when the page is the first (counted by the same statement;
    after a cursor the window sees only the rows past it: None). Lean rows with `lean`."""
    results: dict[HospitalPractitionersKey, tuple[list[models.Practitioner], int | None]] = {}
    for (specialty_id, first, after), group in group_keys(
        keys, lambda k: (k.specialty_id, k.first, k.after)
    ).items():
        q = SqlBuilder()
        hospital_ids = [k.hospital_id for k in group]
        where = _active_at(q, hospital_ids, specialty_id)
        if after is not None:
            where.append(f"(p.name, p.id) > ({q.p(after[0])}, {q.p(after[1])})")
        rows = await q.fetch(
            f"SELECT * FROM (SELECT pr.hospital_id AS _owner, {columns(models.Practitioner, 'p')},"
            " ROW_NUMBER() OVER (PARTITION BY pr.hospital_id ORDER BY p.name, p.id) AS _rn,"
            " COUNT(*) OVER (PARTITION BY pr.hospital_id) AS _total"
            " FROM practitioner_role pr JOIN practitioner p ON p.id = pr.practitioner_id"
            f" WHERE {' AND '.join(where)}) t"
            f" WHERE t._rn <= {q.p(first + 1)} ORDER BY t._owner, t._rn"
        )
        totals: dict[int, int] = {}
        for row in rows:
            row.pop("_rn")
            totals[int(row["_owner"])] = int(row.pop("_total"))
        pages = _grouped_by_owner(models.Practitioner, rows, hospital_ids, lean)
        for key, page in zip(group, pages, strict=True):
            total = None if after is not None else totals.get(key.hospital_id, 0)
            results[key] = (page, total)
    return [results[key] for key in keys]


async def load_practitioners_by_hospital(
    keys: Sequence[HospitalPractitionersKey],
) -> list[list[models.Practitioner]]:
    """Up to first + 1 practitioners per hospital (the extra row tells there is a next page)."""
    return [page for page, _ in await practitioner_pages_by_hospital(keys)]


@dataclass(frozen=True)
class HospitalPractitionerCountKey:
    hospital_id: int
    specialty_id: int | None


async def load_practitioner_counts_by_hospital(
    keys: Sequence[HospitalPractitionerCountKey],
) -> list[int]:
    results: dict[HospitalPractitionerCountKey, int] = {}
    for specialty_id, group in group_keys(keys, lambda k: k.specialty_id).items():
        q = SqlBuilder()
        where = _active_at(q, [k.hospital_id for k in group], specialty_id)
        rows = await q.fetch(
            "SELECT pr.hospital_id AS owner, COUNT(*) AS n FROM practitioner_role pr"
            f" JOIN practitioner p ON p.id = pr.practitioner_id WHERE {' AND '.join(where)}"
            " GROUP BY pr.hospital_id"
        )
        counts = {int(row["owner"]): int(row["n"]) for row in rows}
        for key in group:
            results[key] = counts.get(key.hospital_id, 0)
    return [results[key] for key in keys]


async def load_lab_tests_by_diagnostic_center(
    keys: Sequence[int], lean: bool = False
) -> list[list[models.LabTest]]:
    """The distinct lab tests a center prices, by name (lean rows with `lean`)."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT DISTINCT pp.diagnostic_center_id AS _owner, {columns(models.LabTest, 't')}"
        " FROM price_package pp JOIN package_lab_test plt ON plt.package_id = pp.id"
        " JOIN lab_test t ON t.id = plt.lab_test_id"
        f" WHERE pp.diagnostic_center_id {q.in_ints(keys)}"
        " ORDER BY 1, t.name, t.id"
    )
    return _grouped_by_owner(models.LabTest, rows, keys, lean)
