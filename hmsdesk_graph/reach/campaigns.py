"""Campaigns: who may manage them, how a new one is checked, and their status changes.

A partner manages its own campaigns; HMSDESK staff (INTERNAL, ADMIN) manage any partner's.
Another partner's campaign answers exactly like a missing one (NOT_FOUND). Status changes are
conditional UPDATEs, so two concurrent changes cannot both apply: ACTIVE <-> PAUSED, and
either -> ENDED (final). Repeating a change that already happened returns the campaign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import CampaignStatus, PractitionerStatus, TargetKind
from hmsdesk_graph.errors import BadUserInput, Conflict, Forbidden
from hmsdesk_graph.identity.auth import Role, Viewer
from hmsdesk_graph.identity.global_ids import decode_global_id, from_global_id
from hmsdesk_graph.identity.permissions import not_found, require_signed_in
from hmsdesk_graph.reach.clock import today_ist
from hmsdesk_graph.reach.targeting import Targeting, check_targeting

MIN_IMPRESSIONS = 1_000
MAX_IMPRESSIONS = 50_000_000
MAX_DAYS = 366
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
Listing = models.Practitioner | models.Hospital | models.DiagnosticCenter
_LISTINGS: dict[str, tuple[TargetKind, type[Listing]]] = {
    "Practitioner": (TargetKind.PRACTITIONER, models.Practitioner),
    "Hospital": (TargetKind.HOSPITAL, models.Hospital),
    "DiagnosticCenter": (TargetKind.DIAGNOSTIC_CENTER, models.DiagnosticCenter),
}


@dataclass(frozen=True)
class CampaignDraft:
    """A new campaign as asked for, before any check."""

    name: str
    provider: str  # global ID of a practitioner, hospital or diagnostic center
    city: str
    committed_impressions: int
    starts_on: date
    ends_on: date
    zone: str | None = None
    localities: list[str] = field(default_factory=list)
    specialty: str | None = None
    partner: str | None = None  # staff only: the partner's slug


def campaign_pk(global_id: str) -> int:
    """The primary key inside a Campaign ID; BAD_USER_INPUT for anything else."""
    decoded = decode_global_id(global_id)
    if decoded is None or decoded[0] != "Campaign":
        raise BadUserInput(f"{global_id!r} is not a campaign ID.", argument="id")
    return decoded[1]


def manager_partner_id(viewer: Viewer) -> int | None:
    """The partner a viewer manages campaigns for; None for staff (any partner)."""
    require_signed_in(viewer)
    if viewer.role is Role.PARTNER and viewer.partner_id is not None:
        return viewer.partner_id
    if viewer.is_staff:
        return None
    raise Forbidden("Only a partner account or HMSDESK staff can manage campaigns.")


async def visible_campaign(viewer: Viewer, global_id: str) -> models.Campaign:
    """The campaign if this viewer may manage it; NOT_FOUND otherwise (missing or not theirs)."""
    partner_id = manager_partner_id(viewer)
    row = await models.Campaign.get_or_none(id=campaign_pk(global_id))
    if row is None or (partner_id is not None and row.partner_id != partner_id):
        raise not_found("campaign")
    return row


PARTNER_SLUG_MAX = 96  # models.Partner.slug max_length


async def owner_partner_id(viewer: Viewer, slug: str | None) -> int:
    """The partner a request acts for: a partner itself, or the one staff name by slug."""
    partner_id = manager_partner_id(viewer)
    if partner_id is not None:
        if slug is not None:
            own = await models.Partner.get_or_none(id=partner_id)
            if own is None or own.slug != slug:
                raise not_found("partner")
        return partner_id
    if not slug:
        raise BadUserInput("Staff must name the partner: give `partner` (its slug).")
    # No slug longer than the column names a partner, and Tortoise refuses to compare one.
    too_long = len(slug) > PARTNER_SLUG_MAX
    partner = None if too_long else await models.Partner.get_or_none(slug=slug)
    if partner is None:
        raise not_found("partner")
    return int(partner.pk)


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 3 <= len(name) <= 160 or _CONTROL.search(name):
        raise BadUserInput("name must be 3 to 160 characters of plain text.", argument="name")
    return name


def check_schedule(draft: CampaignDraft, today: date) -> None:
    """Dates and size; every message says what to change."""
    if not MIN_IMPRESSIONS <= draft.committed_impressions <= MAX_IMPRESSIONS:
        raise BadUserInput(
            f"committedImpressions must be between {MIN_IMPRESSIONS:,} and {MAX_IMPRESSIONS:,}.",
            argument="committedImpressions",
        )
    if draft.starts_on < today:
        raise BadUserInput(
            f"startsOn is in the past: start on {today.isoformat()} (today in India) or later.",
            argument="startsOn",
        )
    if draft.starts_on > today + timedelta(days=MAX_DAYS):
        raise BadUserInput("startsOn must be within a year from today.", argument="startsOn")
    if draft.ends_on < draft.starts_on:
        raise BadUserInput("endsOn must be on or after startsOn.", argument="endsOn")
    if (draft.ends_on - draft.starts_on).days + 1 > MAX_DAYS:
        raise BadUserInput(
            f"A campaign runs at most {MAX_DAYS} days: move endsOn earlier.", argument="endsOn"
        )


async def create_campaign(info: Info, draft: CampaignDraft) -> models.Campaign:
    """Check everything, then create the campaign ACTIVE (it serves from startsOn)."""
    viewer = info.context.viewer
    partner_id = await owner_partner_id(viewer, draft.partner)
    name = _name(draft.name)
    type_name, pk = from_global_id(draft.provider)
    if type_name not in _LISTINGS:
        raise BadUserInput(
            "provider must be the ID of a practitioner, hospital or diagnostic center.",
            argument="provider",
        )
    kind, model = _LISTINGS[type_name]
    listing = await model.get_or_none(id=pk)
    if listing is None or listing.partner_id != partner_id:
        if viewer.is_staff and listing is not None:
            raise BadUserInput("That provider is not one of this partner's listings.")
        raise not_found("provider")
    if isinstance(listing, models.Practitioner) and listing.status is PractitionerStatus.EXPIRED:
        raise BadUserInput(
            "This practitioner's registration has expired: renew it before promoting them.",
            argument="provider",
        )
    check_schedule(draft, today_ist())
    targeting: Targeting = await check_targeting(
        info, kind, listing, draft.city, draft.zone, draft.localities, draft.specialty
    )
    return await models.Campaign.create(
        partner_id=partner_id,
        name=name,
        target_kind=kind,
        target_id=listing.pk,
        city_id=targeting.city_id,
        zone=targeting.zone,
        locality_ids=list(targeting.locality_ids),
        specialty_id=targeting.specialty_id,
        committed_impressions=draft.committed_impressions,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        status=CampaignStatus.ACTIVE,
    )


async def _move(
    row: models.Campaign, to: CampaignStatus, allowed_from: tuple[CampaignStatus, ...]
) -> models.Campaign:
    updated = await models.Campaign.filter(id=row.pk, status__in=allowed_from).update(status=to)
    await row.refresh_from_db()
    if not updated and row.status is not to:
        raise Conflict(f"The campaign is {row.status.value.lower()}: it cannot be changed so.")
    return row


async def pause_campaign(viewer: Viewer, global_id: str) -> models.Campaign:
    """Stop serving until resumed (pausing a paused campaign changes nothing)."""
    row = await visible_campaign(viewer, global_id)
    if row.status is CampaignStatus.ENDED:
        raise Conflict("The campaign has ended: it cannot be paused.")
    return await _move(row, CampaignStatus.PAUSED, (CampaignStatus.ACTIVE,))


async def resume_campaign(viewer: Viewer, global_id: str) -> models.Campaign:
    """Serve again (resuming an active campaign changes nothing)."""
    row = await visible_campaign(viewer, global_id)
    if row.status is CampaignStatus.ENDED:
        raise Conflict("The campaign has ended: create a new campaign instead.")
    if row.ends_on < today_ist():
        raise Conflict("The campaign's endsOn has passed: create a new campaign instead.")
    if row.delivered_impressions >= row.committed_impressions:
        raise Conflict("The campaign has delivered all its committed impressions.")
    return await _move(row, CampaignStatus.ACTIVE, (CampaignStatus.PAUSED,))


async def end_campaign(viewer: Viewer, global_id: str) -> models.Campaign:
    """Stop for good (ending an ended campaign changes nothing)."""
    row = await visible_campaign(viewer, global_id)
    return await _move(row, CampaignStatus.ENDED, (CampaignStatus.ACTIVE, CampaignStatus.PAUSED))
