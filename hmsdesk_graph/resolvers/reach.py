"""Reach root fields and mutations: the partner dashboard, campaigns and price lists."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import CampaignStatus, TargetKind
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.identity.global_ids import from_global_id
from hmsdesk_graph.identity.permissions import not_found, require_partner
from hmsdesk_graph.pagination import scope_of
from hmsdesk_graph.reach import campaigns, prices
from hmsdesk_graph.reach.dashboard import check_range, open_scope
from hmsdesk_graph.reach.entities import NODE_TYPE
from hmsdesk_graph.schema.connection import Connection, make_connection
from hmsdesk_graph.schema.providers import PricePackage
from hmsdesk_graph.schema.reach import (
    Campaign,
    CreateCampaignInput,
    ReachDashboard,
    UpsertPricePackagesInput,
    UpsertPricePackagesPayload,
)

_KIND_OF_TYPE = {type_name: kind for kind, type_name in NODE_TYPE.items()}
_OWNER_MODEL: dict[
    TargetKind, type[models.Practitioner | models.Hospital | models.DiagnosticCenter]
]
_OWNER_MODEL = {
    TargetKind.PRACTITIONER: models.Practitioner,
    TargetKind.HOSPITAL: models.Hospital,
    TargetKind.DIAGNOSTIC_CENTER: models.DiagnosticCenter,
}


async def resolve_reach(
    info: Info,
    from_: Annotated[
        date, strawberry.argument(name="from", description="First IST day, inclusive.")
    ],
    to: Annotated[
        date, strawberry.argument(description="Last IST day, inclusive (at most 366 days).")
    ],
) -> ReachDashboard:
    """The signed-in partner's dashboard over a range of days (PARTNER only)."""
    partner_id = require_partner(info.context.viewer)
    span = check_range(from_, to)
    scope = await open_scope(partner_id, span)
    return ReachDashboard(from_=span.first, to=span.last, days=span.days, _scope=scope)


async def resolve_reach_campaigns(
    info: Info,
    partner: str | None = None,
    status: CampaignStatus | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Campaign]:
    """A partner's campaigns, newest first: partners see their own, staff name the partner."""
    ctx = info.context
    partner_id = await campaigns.owner_partner_id(ctx.viewer, partner)
    scope = scope_of("reachCampaigns", partner=partner_id, status=status)
    page = ctx.cursors.page(scope, first, after, ctx.settings)
    listed = models.Campaign.filter(partner_id=partner_id)
    if status is not None:
        listed = listed.filter(status=status)
    query = listed.filter(id__lt=page.after[0]) if page.after is not None else listed
    rows = await query.order_by("-id").limit(page.first + 1)

    async def count() -> int:
        return await listed.count()

    return make_connection(
        rows, page, scope=scope, codec=ctx.cursors, key=lambda r: (r.pk,),
        node=Campaign.from_row, count=count,
    )  # fmt: skip


async def resolve_create_campaign(info: Info, input: CreateCampaignInput) -> Campaign:
    """Create an ACTIVE campaign for one of the partner's listings (partner or staff)."""
    # The input carries exactly the draft's fields (tests/reach checks both lists stay equal);
    # asdict copies the localities list, so the draft shares nothing with the request.
    draft = campaigns.CampaignDraft(**dataclasses.asdict(input))
    return Campaign.from_row(await campaigns.create_campaign(info, draft))


async def resolve_pause_campaign(info: Info, id: strawberry.ID) -> Campaign:
    """Stop serving a campaign until it is resumed."""
    return Campaign.from_row(await campaigns.pause_campaign(info.context.viewer, id))


async def resolve_resume_campaign(info: Info, id: strawberry.ID) -> Campaign:
    """Serve a paused campaign again (within its dates and commitment)."""
    return Campaign.from_row(await campaigns.resume_campaign(info.context.viewer, id))


async def resolve_end_campaign(info: Info, id: strawberry.ID) -> Campaign:
    """End a campaign for good."""
    return Campaign.from_row(await campaigns.end_campaign(info.context.viewer, id))


async def resolve_upsert_price_packages(
    info: Info, input: UpsertPricePackagesInput
) -> UpsertPricePackagesPayload:
    """Create or update packages of one of the partner's own listings, all or nothing."""
    ctx = info.context
    partner_id = require_partner(ctx.viewer)
    type_name, pk = from_global_id(input.provider)
    kind = _KIND_OF_TYPE.get(type_name)
    if kind is None:
        raise BadUserInput(
            "provider must be the ID of a practitioner, hospital or diagnostic center.",
            argument="provider",
        )
    owner = await _OWNER_MODEL[kind].get_or_none(id=pk)
    if owner is None or owner.partner_id != partner_id:
        raise not_found("provider")
    checked = await prices.check_packages([p.draft() for p in input.packages])
    result = await prices.upsert_packages(kind, pk, checked)
    await refresh_search_columns(
        practitioner_ids=[pk] if kind is TargetKind.PRACTITIONER else None,
        hospital_ids=[pk] if kind is TargetKind.HOSPITAL else None,
        center_ids=[pk] if kind is TargetKind.DIAGNOSTIC_CENTER else None,
    )
    _forget(info, kind, pk, [row.pk for row in result.packages])
    return UpsertPricePackagesPayload(
        created=result.created,
        updated=result.updated,
        packages=[PricePackage.from_row(row) for row in result.packages],
    )


def _forget(info: Info, kind: TargetKind, owner_id: int, package_ids: list[int]) -> None:
    """Drop what this request's loaders may hold about the changed packages and owner."""
    loaders = info.context.loaders
    loaders.packages_by_owner.clear_all()  # keys carry filters: every owner key may be stale
    for pk in package_ids:
        _clear(loaders.package_by_id, pk)
        _clear(loaders.lab_tests_by_package_id, pk)
    # The owner's derived search columns were refreshed.
    if kind is TargetKind.PRACTITIONER:
        _clear(loaders.practitioner_by_id, owner_id)
    elif kind is TargetKind.HOSPITAL:
        _clear(loaders.hospital_by_id, owner_id)
    else:
        _clear(loaders.diagnostic_center_by_id, owner_id)


def _clear(loader: DataLoader[int, Any], key: int) -> None:
    # strawberry's DataLoader.clear raises KeyError for a key it never loaded.
    with contextlib.suppress(KeyError):
        loader.clear(key)
