"""Opening a partner's dashboard: the range check, its listings, and finding one of them."""

from __future__ import annotations

from datetime import date

from hmsdesk_graph.db import models
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.identity.global_ids import from_global_id
from hmsdesk_graph.identity.permissions import not_found
from hmsdesk_graph.reach.clock import now_utc, today_ist
from hmsdesk_graph.reach.entities import NODE_TYPE, Entity, load_entities
from hmsdesk_graph.reach.funnel import MAX_RANGE_DAYS, DateRange
from hmsdesk_graph.reach.loaders import ReachScope

_KIND_OF_TYPE = {type_name: kind for kind, type_name in NODE_TYPE.items()}


def check_range(first: date, last: date) -> DateRange:
    """An inclusive range of at most 366 days; BAD_USER_INPUT saying what to change."""
    if last < first:
        raise BadUserInput("`to` must be on or after `from`.", argument="to")
    span = DateRange(first, last)
    if span.days > MAX_RANGE_DAYS:
        raise BadUserInput(
            f"The range is {span.days} days: ask for at most {MAX_RANGE_DAYS} days.",
            argument="from",
        )
    return span


async def open_scope(partner_id: int, span: DateRange) -> ReachScope:
    """The partner and its listings (two statements); figures load on demand."""
    partner = await models.Partner.get_or_none(id=partner_id)
    if partner is None:
        # A token for a partner that no longer exists: nothing of theirs to show.
        raise not_found("partner")
    now = now_utc()
    return ReachScope(partner, span, await load_entities(partner_id), now, today_ist(now))


def find_entity(scope: ReachScope, global_id: str) -> Entity:
    """One of the partner's listings by global ID; another's is NOT_FOUND, like a missing one."""
    type_name, pk = from_global_id(global_id)
    kind = _KIND_OF_TYPE.get(type_name)
    if kind is None:
        raise BadUserInput(
            "id must be the ID of a practitioner, hospital or diagnostic center.", argument="id"
        )
    entity = scope.by_key.get((kind, pk))
    if entity is None:
        raise not_found("listing")
    return entity
