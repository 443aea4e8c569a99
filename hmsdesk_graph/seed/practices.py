"""Practices: which facilities each practitioner works at, for what fee and at what hours."""

from __future__ import annotations

import random

from hmsdesk_graph.seed.chance import Picker, chance, round_to
from hmsdesk_graph.seed.drafts import (
    CLINIC,
    HOSPITAL,
    NURSING_HOME,
    HospitalDraft,
    PractitionerDraft,
    RoleDraft,
    Session,
)
from hmsdesk_graph.seed.vocabulary import Vocabulary

_MORNINGS = ((540, 780), (600, 840), (630, 810), (570, 750))
_EVENINGS = ((1020, 1200), (1080, 1260), (960, 1140), (1050, 1230))
_AFTERNOON = (840, 960)
_ROLE_COUNTS = Picker([1, 2, 3], [50, 35, 15])
_ROLE_SHARES = (1.0, 0.6, 0.3)  # how busy a practitioner's first, second, third practice is
# How strongly each kind of facility attracts practitioners of each setting.
_SETTING_FACTOR = {
    "clinic": {HOSPITAL: 0.3, NURSING_HOME: 0.5, CLINIC: 3.0},
    "hospital": {HOSPITAL: 1.0, NURSING_HOME: 0.7, CLINIC: 0.2},
    "both": {HOSPITAL: 1.0, NURSING_HOME: 1.0, CLINIC: 1.0},
}


def _facility_pickers(
    vocab: Vocabulary, hospitals: list[HospitalDraft]
) -> dict[tuple[int, str], Picker[HospitalDraft]]:
    pickers: dict[tuple[int, str], Picker[HospitalDraft]] = {}
    for city_index in range(len(vocab.cities)):
        local = [h for h in hospitals if h.city == city_index]
        if not local:
            continue
        for setting, factor in _SETTING_FACTOR.items():
            pickers[(city_index, setting)] = Picker(
                local, [h.popularity * factor[h.kind] for h in local]
            )
    return pickers


def assign_practices(
    vocab: Vocabulary,
    rng: random.Random,
    hospitals: list[HospitalDraft],
    practitioners: list[PractitionerDraft],
) -> list[RoleDraft]:
    by_city: dict[int, list[PractitionerDraft]] = {}
    for p in practitioners:
        by_city.setdefault(p.city, []).append(p)
    # Every facility gets at least one practitioner, so no clinic is an empty shell.
    for h in hospitals:
        local = by_city.get(h.city, [])
        for _attempt in range(10 if local else 0):
            p = rng.choice(local)
            if len(p.hospital_ids) < 3 and h.id not in p.hospital_ids:
                p.hospital_ids.append(h.id)
                break
    pickers = _facility_pickers(vocab, hospitals)
    for p in practitioners:
        picker = pickers.get((p.city, vocab.specialties[p.specialties[0]].setting))
        target = max(_ROLE_COUNTS.pick(rng), len(p.hospital_ids))
        for _attempt in range(8 if picker else 0):
            if len(p.hospital_ids) >= target or picker is None:
                break
            h = picker.pick(rng)
            if h.id not in p.hospital_ids:
                p.hospital_ids.append(h.id)
    roles: list[RoleDraft] = []
    for p in practitioners:
        spec = vocab.specialties[p.specialties[0]]
        city = vocab.cities[p.city]
        low, high = spec.fee
        level = min(1.0, p.experience / 25)
        base = low + (high - low) * (0.2 + 0.6 * level + rng.uniform(-0.1, 0.2))
        base *= city.price_level
        single = len(p.hospital_ids) == 1
        for k, hospital_id in enumerate(p.hospital_ids):
            h = hospitals[hospital_id - 1]
            h.specialty_ids.update(i + 1 for i in p.specialties)
            factor = {HOSPITAL: (1.05, 1.25), NURSING_HOME: (1.0, 1.1), CLINIC: (0.9, 1.0)}[h.kind]
            fee = min(2500, max(300, round_to(base * rng.uniform(*factor), 50)))
            video = None
            if k == 0 and p.offers_video:
                video = min(2500, max(200, round_to(fee * rng.uniform(0.7, 0.9), 50))) * 100
            capacity = 2 if spec.slug == "general-physician" and chance(rng, 0.15) else 1
            role = RoleDraft(
                id=len(roles) + 1,
                practitioner_id=p.id,
                hospital_id=hospital_id,
                fee_paise=fee * 100,
                video_fee_paise=video,
                sessions=_sessions(rng, k, single),
                slot_minutes=rng.choice(spec.slot_minutes),
                slot_capacity=capacity,
                share=_ROLE_SHARES[k],
            )
            roles.append(role)
            p.role_ids.append(role.id)
    return roles


def _sessions(rng: random.Random, k: int, single: bool) -> tuple[Session, ...]:
    """Weekly hours that never overlap across a practitioner's practices."""
    if k == 2:
        start, end = _AFTERNOON
        return tuple((d, start, end) for d in sorted(rng.sample([1, 3, 5], rng.randint(2, 3))))
    days = list(range(6))
    if chance(rng, 0.3):
        days.remove(rng.choice(days))
    windows = [rng.choice(_MORNINGS if k == 0 else _EVENINGS)]
    if k == 0 and single and chance(rng, 0.4):
        windows.append(rng.choice(_EVENINGS))
    sessions = [(d, s, e) for d in days for s, e in windows]
    if k == 0 and chance(rng, 0.1):
        sessions.append((6, 600, 780))
    return tuple(sessions)
