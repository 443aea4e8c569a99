"""Batch functions for price packages: top-N per owner, included tests, sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import PackageKind, TargetKind, Ward
from hmsdesk_graph.db.sql import SqlBuilder, columns, models_from_rows
from hmsdesk_graph.loaders.base import group_keys, grouped_by, in_key_order
from hmsdesk_graph.loaders.by_id import load_by_id
from hmsdesk_graph.loaders.lean import lean_rows
from hmsdesk_graph.loaders.paging import first_rows_per_group

OWNER_COLUMN = {
    TargetKind.PRACTITIONER: "practitioner_id",
    TargetKind.HOSPITAL: "hospital_id",
    TargetKind.DIAGNOSTIC_CENTER: "diagnostic_center_id",
}


@dataclass(frozen=True)
class PackagesKey:
    """The `first` cheapest packages of one owner, optionally of one kind and ward."""

    owner_kind: TargetKind
    owner_id: int
    kind: PackageKind | None
    ward: Ward | None
    first: int


async def load_packages_by_owner(keys: Sequence[PackagesKey]) -> list[list[models.PricePackage]]:
    """Top-N per owner in one statement per filter shape (a window function)."""
    rows = await package_rows_by_owner(keys)
    return [models_from_rows(models.PricePackage, rows[key]) for key in keys]


async def package_rows_by_owner(
    keys: Sequence[PackagesKey],
) -> dict[PackagesKey, list[dict[str, Any]]]:
    """Each key's packages as rows, cheapest first (one statement per filter shape)."""
    results: dict[PackagesKey, list[dict[str, Any]]] = {}
    for (owner_kind, kind, ward, first), group in group_keys(
        keys, lambda k: (k.owner_kind, k.kind, k.ward, k.first)
    ).items():
        owner = OWNER_COLUMN[owner_kind]
        q = SqlBuilder()
        where = [f"pp.{owner} {q.in_ints(k.owner_id for k in group)}"]
        if kind is not None:
            where.append(f"pp.kind = {q.p(kind.value)}")
        if ward is not None:
            where.append(f"pp.ward = {q.p(ward.value)}")
        select, order = columns(models.PricePackage, "pp"), "pp.price_min_paise, pp.id"
        packages = await first_rows_per_group(
            q, "price_package", "pp", select, owner, order, where, first
        )
        for key in group:
            results[key] = packages.get(key.owner_id, [])
    return results


async def load_packages(keys: Sequence[int]) -> list[models.PricePackage | None]:
    return await load_by_id(models.PricePackage, keys, columns(models.PricePackage, "pp"), "pp")


async def load_lab_tests_by_package(
    keys: Sequence[int], lean: bool = False
) -> list[list[models.LabTest]]:
    """The lab tests each package includes, by name (lean rows with `lean`)."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT plt.package_id AS _owner, {columns(models.LabTest, 't')}"
        " FROM package_lab_test plt JOIN lab_test t ON t.id = plt.lab_test_id"
        f" WHERE plt.package_id {q.in_ints(keys)} ORDER BY plt.package_id, t.name, t.id"
    )
    owners = [row.pop("_owner") for row in rows]
    built = lean_rows(models.LabTest, rows) if lean else models_from_rows(models.LabTest, rows)
    found = grouped_by(zip(owners, built, strict=True), lambda x: x[0])
    return [[t for _, t in found.get(key, [])] for key in keys]


@dataclass(frozen=True)
class FeedSource:
    """Who publishes a feed, and when it last confirmed its prices."""

    partner: str
    last_fetched_at: datetime | None


async def load_feed_sources(keys: Sequence[int]) -> list[FeedSource | None]:
    q = SqlBuilder()
    rows = await q.fetch(
        "SELECT f.id AS feed_id, pa.name AS name, f.last_fetched_at AS fetched"
        " FROM feed f JOIN partner pa ON pa.id = f.partner_id"
        f" WHERE f.id {q.in_ints(keys)}"
    )
    fetched = models.Feed._meta.fields_map["last_fetched_at"]
    found = {
        int(row["feed_id"]): FeedSource(
            str(row["name"]), fetched.to_python_value(row["fetched"]) if row["fetched"] else None
        )
        for row in rows
    }
    return in_key_order(keys, found, None)


async def load_listing_partners(keys: Sequence[int]) -> list[str | None]:
    """The name of the partner whose listing owns each package (None: no partner)."""
    q = SqlBuilder()
    rows = await q.fetch(
        "SELECT p.id AS package_id, pa.name AS name FROM price_package p"
        " LEFT JOIN practitioner pr ON pr.id = p.practitioner_id"
        " LEFT JOIN hospital h ON h.id = p.hospital_id"
        " LEFT JOIN diagnostic_center c ON c.id = p.diagnostic_center_id"
        " JOIN partner pa ON pa.id = COALESCE(pr.partner_id, h.partner_id, c.partner_id)"
        f" WHERE p.id {q.in_ints(keys)}"
    )
    found = {int(row["package_id"]): str(row["name"]) for row in rows}
    return in_key_order(keys, found, None)
