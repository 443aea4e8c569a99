"""Rows for Reach campaigns: what partners pay to promote, where and for how long."""

from __future__ import annotations

from datetime import timedelta

from hmsdesk_graph.seed.chance import chance, round_to, stream
from hmsdesk_graph.seed.clock import DAY, at, day, reference_date
from hmsdesk_graph.seed.drafts import LocalityRef, World
from hmsdesk_graph.seed.tables import Row, TableRows

CAMPAIGN_COLUMNS = (
    "id", "partner_id", "name", "target_kind", "target_id", "city_id", "zone", "locality_ids",
    "specialty_id", "committed_impressions", "delivered_impressions", "starts_on", "ends_on",
    "status", "created_at",
)  # fmt: skip


def _targets(world: World, partner_index: int) -> list[tuple[str, int, LocalityRef, int | None]]:
    """(target kind, id, locality, specialty id or None) for each of a partner's listings."""
    partner = world.partners[partner_index]
    out: list[tuple[str, int, LocalityRef, int | None]] = []
    for pid in partner.practitioner_ids:
        p = world.practitioners[pid - 1]
        if p.hospital_ids:
            loc = world.locality(world.hospitals[p.hospital_ids[0] - 1].locality_id)
            out.append(("PRACTITIONER", pid, loc, p.specialties[0] + 1))
    for hid in partner.hospital_ids:
        h = world.hospitals[hid - 1]
        specialty = min(h.specialty_ids) if h.specialty_ids else None
        out.append(("HOSPITAL", hid, world.locality(h.locality_id), specialty))
    for cid in partner.center_ids:
        c = world.centers[cid - 1]
        out.append(("DIAGNOSTIC_CENTER", cid, world.locality(c.locality_id), None))
    return out


def campaign_rows(world: World) -> TableRows:
    rng = stream(world.seed, "campaigns")
    names = world.vocab.providers.campaign_names
    rows: list[Row] = []
    for index, partner in enumerate(world.partners):
        targets = _targets(world, index)
        if not targets or not chance(rng, 0.5):
            continue
        for _ in range(2 if chance(rng, 0.2) else 1):
            kind, target_id, loc, specialty = rng.choice(targets)
            if kind == "HOSPITAL" and not chance(rng, 0.5):
                specialty = None
            zone: str | None = None
            locality_ids: list[int] = []
            u = rng.random()
            if u < 0.45:
                zone = loc.info.zone
            elif u < 0.7:
                nearby = [ref.id for ref in world.localities if ref.info.zone == loc.info.zone]
                others = [i for i in nearby if i != loc.id]
                locality_ids = sorted(
                    [loc.id, *rng.sample(others, min(len(others), rng.randint(1, 3)))]
                )
            start = rng.randint(-120, 14)
            starts_on = day(start)
            ends_on = starts_on + timedelta(days=rng.choice((30, 60, 90)))
            if ends_on < reference_date():
                status = "ENDED"
            else:
                status = "ACTIVE" if chance(rng, 0.85) else "PAUSED"
            rows.append(
                (
                    len(rows) + 1, partner.id, f"{rng.choice(names)} {starts_on:%b %Y}", kind,
                    target_id, loc.city + 1, zone, locality_ids, specialty,
                    round_to(rng.randint(10_000, 500_000), 5_000), 0, starts_on, ends_on, status,
                    at((start - rng.randint(1, 10)) * DAY),
                )
            )  # fmt: skip
    return TableRows("campaign", CAMPAIGN_COLUMNS, rows, len(rows))
