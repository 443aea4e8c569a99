"""A level of practitioner cards' practices and cheapest packages, read in one statement.

The two sibling fields each cost a statement of their own: its round trip, its writes to and
reads from the server, its driver and pool work, which on the search screens weigh as much as
what the statement reads. Here the practices (with their hospitals and, when asked, localities)
and the packages are two branches of one `UNION ALL`, each branch's columns padded with NULLs
in the other's place; the first fetch of the two to run sends it and the other awaits it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model

from hmsdesk_graph.compiled.execute import Run
from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, column_list
from hmsdesk_graph.loaders.lean import lean_class, prefixed_columns
from hmsdesk_graph.loaders.prices import PackagesKey

PACKAGE = "p__"  # the prefix of a package row's columns
_SORT = ("_k1", "_k2", "_k3")  # each branch's order: owner, then price or fee, then id


@dataclass(frozen=True)
class Cards:
    """What the statement read: the practices' rows (with `h__` and `l__` columns), in the
    order `role_rows_by_practitioner` gives, and each practitioner's package rows (`p__`)."""

    practices: Sequence[Any]
    packages: dict[int, list[Any]]


def practices_sql(
    locality: bool, unread: Mapping[type[Model], frozenset[str]]
) -> tuple[str, str, int]:
    """The select list and joins of a practice row with its hospital's columns (`h__`) and,
    with `locality`, its hospital's locality's (`l__`), none of the `unread` ones; and how
    many columns that is."""
    hospital_unread = unread.get(models.Hospital, frozenset())
    select = [
        *column_list(
            models.PractitionerRole, "r", unread.get(models.PractitionerRole, frozenset())
        ),
        prefixed_columns(models.Hospital, "h", "h__", hospital_unread),
    ]
    width = len(select) - 1 + len(models.Hospital._meta.db_fields - hospital_unread)
    joins = " LEFT JOIN hospital h ON h.id = r.hospital_id"
    if locality:
        select.append(prefixed_columns(models.Locality, "l", "l__"))
        width += len(models.Locality._meta.db_fields)
        joins += " LEFT JOIN locality l ON l.id = h.locality_id"
    return ", ".join(select), joins, width


def keep_joined(run: Run, practices: Sequence[Any], locality: bool) -> None:
    """Keep the hospitals (and localities) of practice rows for the next levels' by-id reads."""
    for model, prefix, wanted in (
        (models.Hospital, "h__", True),
        (models.Locality, "l__", locality),
    ):
        if not wanted:
            continue
        lean = lean_class(model, prefix)
        known = run.rows.setdefault(model, {})
        for row in practices:
            if row[f"{prefix}id"] is not None:
                known.setdefault(int(row[f"{prefix}id"]), lean(row))


def _statement(
    q: SqlBuilder,
    ids: list[int],
    locality: bool,
    packages: PackagesKey,
    unread: Mapping[type[Model], frozenset[str]],
) -> str:
    """Practices (branch 0) and each practitioner's `first` cheapest packages (branch 1)."""
    practice_select, joins, width = practices_sql(locality, unread)
    package_unread = unread.get(models.PricePackage, frozenset())
    package_columns = sorted(models.PricePackage._meta.db_fields - package_unread)
    names = [f'"{PACKAGE}{name}"' for name in package_columns]
    where = [f"pp.practitioner_id {q.in_ints(ids)}"]
    if packages.kind is not None:
        where.append(f"pp.kind = {q.p(packages.kind.value)}")
    if packages.ward is not None:
        where.append(f"pp.ward = {q.p(packages.ward.value)}")
    ranked = (
        f"SELECT {prefixed_columns(models.PricePackage, 'pp', PACKAGE, package_unread)},"
        " pp.practitioner_id AS _owner, ROW_NUMBER() OVER"
        " (PARTITION BY pp.practitioner_id ORDER BY pp.price_min_paise, pp.id) AS _rn"
        f" FROM price_package pp WHERE {' AND '.join(where)}"
    )
    pad_packages = ", ".join(f"NULL AS {name}" for name in names)
    pad_practices = ", ".join(["NULL"] * width)
    picked = ", ".join(f"x.{name}" for name in names)
    return (
        "SELECT 0 AS _b, r.practitioner_id AS _k1, r.consultation_fee_paise AS _k2,"
        f" r.id AS _k3, {practice_select}, {pad_packages}"
        f" FROM practitioner_role r{joins} WHERE r.practitioner_id {q.in_ints(ids)}"
        f" UNION ALL SELECT 1, x._owner, x._rn, 0, {pad_practices}, {picked}"
        f" FROM ({ranked}) x WHERE x._rn <= {q.p(packages.first)}"
        f" ORDER BY _b, {', '.join(_SORT)}"
    )


async def _read(run: Run, ids: list[int], locality: bool, packages: PackagesKey) -> Cards:
    q = SqlBuilder()
    rows = await q.fetch_rows(_statement(q, ids, locality, packages, run.context.unread))
    split = next((n for n, row in enumerate(rows) if row["_b"]), len(rows))
    keep_joined(run, rows[:split], locality)
    by_owner: dict[int, list[Any]] = {}
    for row in rows[split:]:
        by_owner.setdefault(int(row["_k1"]), []).append(row)
    return Cards(practices=rows[:split], packages=by_owner)


def read_cards(
    run: Run, parents: list[Any], ids: list[int], locality: bool, packages: PackagesKey
) -> asyncio.Future[Cards]:
    """The cards of this level's `parents`: read once, whichever sibling field asks first."""
    key = ("cards", id(parents))
    found = run.joint.get(key)
    if found is None:
        found = run.joint[key] = asyncio.ensure_future(_read(run, ids, locality, packages))
    return found
