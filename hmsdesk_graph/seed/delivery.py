"""How much each seeded campaign delivered, day by day, paced like the live placement.

Each running day a campaign delivers a share of its even daily pace (85-100 %, with day to day
jitter), never more than `reach.placement.paced_allowance` allows by the end of that day and
never past its commitment. Paused campaigns stopped on a day between their start and the
reference date; ended ones ran to their last day. `delivered_impressions` is the sum over the
campaign's whole life; days inside the events window also become daily stats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from hmsdesk_graph.reach.placement import day_allowance
from hmsdesk_graph.seed.campaigns import CAMPAIGN_COLUMNS, campaign_rows
from hmsdesk_graph.seed.chance import stream
from hmsdesk_graph.seed.clock import reference_date
from hmsdesk_graph.seed.drafts import World
from hmsdesk_graph.seed.tables import TableRows

_COL = {name: i for i, name in enumerate(CAMPAIGN_COLUMNS)}


@dataclass
class CampaignDelivery:
    id: int
    target_kind: str
    target_id: int
    city_id: int
    by_day: dict[date, int] = field(default_factory=dict)

    @property
    def delivered(self) -> int:
        return sum(self.by_day.values())


def _delivery(row: tuple[object, ...], seed: int) -> CampaignDelivery:
    rng = stream(seed, f"campaign-delivery/{row[_COL['id']]}")
    starts_on, ends_on = row[_COL["starts_on"]], row[_COL["ends_on"]]
    committed = row[_COL["committed_impressions"]]
    assert isinstance(starts_on, date) and isinstance(ends_on, date)
    assert isinstance(committed, int)
    plan = CampaignDelivery(
        int(str(row[_COL["id"]])),
        str(row[_COL["target_kind"]]),
        int(str(row[_COL["target_id"]])),
        int(str(row[_COL["city_id"]])),
    )
    seed_day = reference_date()
    last = min(ends_on, seed_day - timedelta(days=1))
    if row[_COL["status"]] == "PAUSED" and starts_on < seed_day:
        last = min(last, starts_on + timedelta(days=rng.randint(0, (seed_day - starts_on).days)))
    days = (ends_on - starts_on).days + 1
    fill = rng.uniform(0.85, 1.0)
    delivered = 0
    day = starts_on
    while day <= last:
        wanted = int(committed / days * fill * rng.uniform(0.9, 1.1) + rng.random())
        allowed = day_allowance(committed, starts_on, ends_on, day) - delivered
        today = max(0, min(wanted, allowed))
        if today:
            plan.by_day[day] = today
            delivered += today
        day += timedelta(days=1)
    return plan


def plan_deliveries(world: World) -> tuple[TableRows, list[CampaignDelivery]]:
    """The campaign table with `delivered_impressions` filled in, and each one's daily plan."""
    table = campaign_rows(world)
    rows = []
    plans = []
    for row in table.rows:
        plan = _delivery(row, world.seed)
        plans.append(plan)
        values = list(row)
        values[_COL["delivered_impressions"]] = plan.delivered
        rows.append(tuple(values))
    return TableRows(table.table, table.columns, rows, len(rows)), plans
