"""Batch functions for providers: practitioners, hospitals, centers, practices, specialties."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.models import Model

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, columns, models_from_rows
from hmsdesk_graph.loaders.base import group_keys, grouped_by, in_key_order
from hmsdesk_graph.pagination import Key

M = TypeVar("M", bound=Model)


async def _by_key(model: type[M], column: str, keys: Sequence[Any]) -> list[M | None]:
    """Rows of `model` whose `column` (id or slug) is one of `keys`, in key order."""
    q = SqlBuilder()
    match = q.in_ints(keys) if column == "id" else q.in_texts(keys)
    table = model._meta.db_table
    rows = await q.fetch(f'SELECT {columns(model, "t")} FROM "{table}" t WHERE t.{column} {match}')
    found = {getattr(row, column): row for row in models_from_rows(model, rows)}
    return in_key_order(keys, found, None)


async def load_practitioners(keys: Sequence[int]) -> list[models.Practitioner | None]:
    return await _by_key(models.Practitioner, "id", keys)


async def load_hospitals(keys: Sequence[int]) -> list[models.Hospital | None]:
    return await _by_key(models.Hospital, "id", keys)


async def load_diagnostic_centers(keys: Sequence[int]) -> list[models.DiagnosticCenter | None]:
    return await _by_key(models.DiagnosticCenter, "id", keys)


async def load_cities(keys: Sequence[int]) -> list[models.City | None]:
    return await _by_key(models.City, "id", keys)


async def load_localities(keys: Sequence[int]) -> list[models.Locality | None]:
    return await _by_key(models.Locality, "id", keys)


async def load_specialties(keys: Sequence[int]) -> list[models.Specialty | None]:
    return await _by_key(models.Specialty, "id", keys)


async def load_lab_tests(keys: Sequence[int]) -> list[models.LabTest | None]:
    return await _by_key(models.LabTest, "id", keys)


async def load_roles(keys: Sequence[int]) -> list[models.PractitionerRole | None]:
    return await _by_key(models.PractitionerRole, "id", keys)


async def load_roles_by_practitioner(keys: Sequence[int]) -> list[list[models.PractitionerRole]]:
    """Each practitioner's practices, cheapest consultation first."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {columns(models.PractitionerRole, 'r')} FROM practitioner_role r"
        f" WHERE r.practitioner_id {q.in_ints(keys)}"
        " ORDER BY r.practitioner_id, r.consultation_fee_paise, r.id"
    )
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
    owners = [row.pop("_owner") for row in rows]
    specialties = models_from_rows(models.Specialty, rows)
    found = grouped_by(zip(owners, specialties, strict=True), lambda pair: pair[0])
    return [[s for _, s in found.get(key, [])] for key in keys]


async def load_specialties_by_practitioner(keys: Sequence[int]) -> list[list[models.Specialty]]:
    return await _specialties_through("practitioner_specialty", "practitioner_id", keys)


async def load_specialties_by_hospital(keys: Sequence[int]) -> list[list[models.Specialty]]:
    return await _specialties_through("hospital_specialty", "hospital_id", keys)


@dataclass(frozen=True)
class HospitalPractitionersKey:
    """One page of a hospital's practitioners (by name, then id)."""

    hospital_id: int
    specialty_id: int | None
    first: int
    after: Key | None


async def load_practitioners_by_hospital(
    keys: Sequence[HospitalPractitionersKey],
) -> list[list[models.Practitioner]]:
    """Up to first + 1 practitioners per hospital (the extra row tells there is a next page)."""
    results: dict[HospitalPractitionersKey, list[models.Practitioner]] = {}
    for (specialty_id, first, after), group in group_keys(
        keys, lambda k: (k.specialty_id, k.first, k.after)
    ).items():
        q = SqlBuilder()
        where = [f"pr.hospital_id {q.in_ints(k.hospital_id for k in group)}", "p.status = 'ACTIVE'"]
        if specialty_id is not None:
            where.append(
                "EXISTS (SELECT 1 FROM practitioner_specialty ps WHERE ps.practitioner_id = p.id"
                f" AND ps.specialty_id = {q.p(specialty_id)})"
            )
        if after is not None:
            where.append(f"(p.name, p.id) > ({q.p(after[0])}, {q.p(after[1])})")
        rows = await q.fetch(
            f"SELECT * FROM (SELECT pr.hospital_id AS _owner, {columns(models.Practitioner, 'p')},"
            " ROW_NUMBER() OVER (PARTITION BY pr.hospital_id ORDER BY p.name, p.id) AS _rn"
            " FROM practitioner_role pr JOIN practitioner p ON p.id = pr.practitioner_id"
            f" WHERE {' AND '.join(where)}) t"
            f" WHERE t._rn <= {q.p(first + 1)} ORDER BY t._owner, t._rn"
        )
        owners = [(row.pop("_owner"), row.pop("_rn"))[0] for row in rows]
        by_owner = grouped_by(
            zip(owners, models_from_rows(models.Practitioner, rows), strict=True), lambda x: x[0]
        )
        for key in group:
            results[key] = [p for _, p in by_owner.get(key.hospital_id, [])]
    return [results[key] for key in keys]


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
        where = [f"pr.hospital_id {q.in_ints(k.hospital_id for k in group)}", "p.status = 'ACTIVE'"]
        if specialty_id is not None:
            where.append(
                "EXISTS (SELECT 1 FROM practitioner_specialty ps WHERE ps.practitioner_id = p.id"
                f" AND ps.specialty_id = {q.p(specialty_id)})"
            )
        rows = await q.fetch(
            "SELECT pr.hospital_id AS owner, COUNT(*) AS n FROM practitioner_role pr"
            f" JOIN practitioner p ON p.id = pr.practitioner_id WHERE {' AND '.join(where)}"
            " GROUP BY pr.hospital_id"
        )
        counts = {int(row["owner"]): int(row["n"]) for row in rows}
        for key in group:
            results[key] = counts.get(key.hospital_id, 0)
    return [results[key] for key in keys]


async def load_lab_tests_by_diagnostic_center(keys: Sequence[int]) -> list[list[models.LabTest]]:
    """The distinct lab tests a center prices, by name."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT DISTINCT pp.diagnostic_center_id AS _owner, {columns(models.LabTest, 't')}"
        " FROM price_package pp JOIN package_lab_test plt ON plt.package_id = pp.id"
        " JOIN lab_test t ON t.id = plt.lab_test_id"
        f" WHERE pp.diagnostic_center_id {q.in_ints(keys)}"
        " ORDER BY 1, t.name, t.id"
    )
    owners = [row.pop("_owner") for row in rows]
    tests = models_from_rows(models.LabTest, rows)
    found = grouped_by(zip(owners, tests, strict=True), lambda pair: pair[0])
    return [[t for _, t in found.get(key, [])] for key in keys]


async def load_cities_by_slug(keys: Sequence[str]) -> list[models.City | None]:
    return await _by_key(models.City, "slug", keys)


async def load_specialties_by_slug(keys: Sequence[str]) -> list[models.Specialty | None]:
    return await _by_key(models.Specialty, "slug", keys)


async def load_practitioners_by_slug(keys: Sequence[str]) -> list[models.Practitioner | None]:
    return await _by_key(models.Practitioner, "slug", keys)


async def load_hospitals_by_slug(keys: Sequence[str]) -> list[models.Hospital | None]:
    return await _by_key(models.Hospital, "slug", keys)


async def load_diagnostic_centers_by_slug(
    keys: Sequence[str],
) -> list[models.DiagnosticCenter | None]:
    return await _by_key(models.DiagnosticCenter, "slug", keys)
