"""Reach partners: hospital and lab chains, single facilities, and practitioners' accounts."""

from __future__ import annotations

import random

from hmsdesk_graph.seed.chance import chance
from hmsdesk_graph.seed.drafts import CenterDraft, HospitalDraft, PartnerDraft, PractitionerDraft
from hmsdesk_graph.seed.people import SlugRegistry, slugify
from hmsdesk_graph.seed.vocabulary import Vocabulary


def assign_partners(
    vocab: Vocabulary,
    rng: random.Random,
    hospitals: list[HospitalDraft],
    centers: list[CenterDraft],
    practitioners: list[PractitionerDraft],
) -> list[PartnerDraft]:
    partners: list[PartnerDraft] = []
    slugs = SlugRegistry()

    def new(slug: str, name: str, kind: str) -> PartnerDraft:
        days = rng.randint(30, 1200)
        partner = PartnerDraft(len(partners) + 1, slugs.claim(slug), name, kind, days)
        partners.append(partner)
        return partner

    chain_partners: dict[str, PartnerDraft] = {}

    def owner(
        facility: HospitalDraft | CenterDraft, kind: str, business: str, share: float
    ) -> PartnerDraft | None:
        # A chain's facilities share one account; some independents have their own.
        if facility.brand.chain:
            key = f"{kind}:{facility.brand.name}"
            if key not in chain_partners:
                slug = f"{slugify(facility.brand.name)}-{business.lower()}"
                legal_name = f"{facility.brand.name} {business} Pvt. Ltd."
                chain_partners[key] = new(slug, legal_name, f"{kind}-chain")
            return chain_partners[key]
        if chance(rng, share):
            return new(facility.slug, facility.name, kind)
        return None

    for h in hospitals:
        if (partner := owner(h, "hospital", "Healthcare", 0.1)) is not None:
            partner.hospital_ids.append(h.id)
            h.partner_id = partner.id
    for c in centers:
        if (partner := owner(c, "center", "Diagnostics", 0.06)) is not None:
            partner.center_ids.append(c.id)
            c.partner_id = partner.id
    for p in practitioners:
        owners = [hospitals[h - 1].partner_id for h in p.hospital_ids]
        employer = next((o for o in owners if o is not None), None)
        if employer is not None and chance(rng, 0.3):
            partner = partners[employer - 1]
        elif chance(rng, 0.05):
            doctor = vocab.specialties[p.specialties[0]].council != "nutrition"
            name = f"Dr. {p.first} {p.last}" if doctor else f"{p.first} {p.last} Nutrition"
            partner = new(p.slug, name, "practitioner")
        else:
            continue
        partner.practitioner_ids.append(p.id)
        p.partner_id = partner.id
    return partners
