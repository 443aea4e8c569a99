"""Staff tools: the audit log (ADMIN) and cross-provider aggregates (INTERNAL).

Aggregates never describe a group smaller than MIN_GROUP: such a group's figures are null
with the reason, so no single provider can be singled out through them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.identity.permissions import require_staff
from hmsdesk_graph.pagination import Page, scope_of
from hmsdesk_graph.schema.catalog import city_id_for_slug, specialty_id_for_slug
from hmsdesk_graph.schema.columns import columns
from hmsdesk_graph.schema.connection import Connection, load_connection
from hmsdesk_graph.schema.money import rupees

MIN_GROUP = 5


@strawberry.type(description="One read of personal data, as audited.")
class AuditEntry:
    at: datetime
    viewer_subject: str
    viewer_role: str
    purpose: str | None
    object_type: str
    object_id: int
    fields_read: list[str]
    operation: str | None


async def resolve_audit_log(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[AuditEntry]:
    """ADMIN only: audited reads, newest first."""
    ctx = info.context
    require_staff(ctx.viewer, admin=True)
    scope = scope_of("auditLog")

    async def load(page: Page) -> list[models.AuditLog]:
        query = models.AuditLog.all()
        if page.after is not None:
            query = query.filter(id__lt=page.after[0])
        return await query.order_by("-id").limit(page.first + 1)

    def node(r: models.AuditLog) -> AuditEntry:
        return AuditEntry(
            **columns(r, "at", "viewer_subject", "viewer_role", "purpose", "object_type"),
            **columns(r, "object_id", "operation"),
            fields_read=list(r.fields_read),
        )

    def count() -> Awaitable[int]:
        return models.AuditLog.all().count()

    return await load_connection(info, scope, first, after, load, node, lambda r: (r.pk,), count)


@strawberry.type(description="Figures for one locality; null below the minimum group size.")
class LocalityBenchmark:
    locality: str
    providers: int | None
    median_fee: Decimal | None
    average_rating: Decimal | None
    suppressed_reason: str | None


def _median(values: list[int]) -> int:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) // 2


async def resolve_locality_benchmarks(
    info: Info, city: str, specialty: str
) -> list[LocalityBenchmark]:
    """INTERNAL: fee and rating per locality for a specialty, suppressed below 5 providers."""
    require_staff(info.context.viewer)
    city_id = await city_id_for_slug(info, city)
    specialty_id = await specialty_id_for_slug(info, specialty)
    q = SqlBuilder()
    rows = await q.fetch(
        "SELECT lo.name AS locality, t.id AS pid, t.min_fee_paise AS fee,"
        " t.rating_sum AS rsum, t.rating_count AS rcount FROM practitioner t"
        " JOIN practitioner_role r ON r.practitioner_id = t.id"
        " JOIN hospital h ON h.id = r.hospital_id JOIN locality lo ON lo.id = h.locality_id"
        f" WHERE t.city_id = {q.p(city_id)} AND t.status = 'ACTIVE' AND EXISTS (SELECT 1 FROM"
        " practitioner_specialty ps WHERE ps.practitioner_id = t.id"
        f" AND ps.specialty_id = {q.p(specialty_id)})"
    )
    groups: dict[str, dict[int, tuple[int | None, int, int]]] = {}
    for row in rows:
        groups.setdefault(str(row["locality"]), {})[int(row["pid"])] = (
            row["fee"],
            int(row["rsum"]),
            int(row["rcount"]),
        )
    result = []
    for locality in sorted(groups):
        members = groups[locality]
        if len(members) < MIN_GROUP:
            result.append(
                LocalityBenchmark(
                    locality=locality,
                    providers=None,
                    median_fee=None,
                    average_rating=None,
                    suppressed_reason=f"fewer than {MIN_GROUP} providers",
                )
            )
            continue
        fees = [fee for fee, _, _ in members.values() if fee is not None]
        rating_sum = sum(s for _, s, _ in members.values())
        rating_count = sum(c for _, _, c in members.values())
        result.append(
            LocalityBenchmark(
                locality=locality,
                providers=len(members),
                median_fee=rupees(_median(fees)) if fees else None,
                average_rating=(Decimal(rating_sum) / rating_count).quantize(
                    Decimal("0.01"), ROUND_HALF_UP
                )
                if rating_count
                else None,
                suppressed_reason=None,
            )
        )
    return result
