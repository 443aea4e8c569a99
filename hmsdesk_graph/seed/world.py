"""Who exists: the skeleton of providers, practices and partners, before any row is built.

Everything here is small per entity (ids, choices, a few numbers), so even the medium scale
fits comfortably in memory; the row builders turn it into full rows while streaming.
"""

from __future__ import annotations

import random

from hmsdesk_graph.seed.chance import Picker, apportion, chance, stream
from hmsdesk_graph.seed.drafts import (
    HOSPITAL,
    NURSING_HOME,
    CenterDraft,
    HospitalDraft,
    LocalityRef,
    PractitionerDraft,
    World,
)
from hmsdesk_graph.seed.partners import assign_partners
from hmsdesk_graph.seed.people import NameMaker, SlugRegistry, slugify
from hmsdesk_graph.seed.practices import assign_practices
from hmsdesk_graph.seed.scale import Scale
from hmsdesk_graph.seed.vocabulary import Vocabulary


def build_world(vocab: Vocabulary, scale: Scale, seed: int) -> World:
    """Decide every provider, practice and partner for this scale and seed."""
    localities = [
        LocalityRef(0, city_index, info)
        for city_index, city in enumerate(vocab.cities)
        for info in city.localities
    ]
    for number, ref in enumerate(localities, start=1):
        ref.id = number
    by_city: list[list[LocalityRef]] = [[] for _ in vocab.cities]
    for ref in localities:
        by_city[ref.city].append(ref)
    weights = [c.weight for c in vocab.cities]
    hospitals = _hospitals(
        vocab, stream(seed, "hospitals"), apportion(scale.hospitals, weights), by_city
    )
    centers = _centers(vocab, stream(seed, "centers"), apportion(scale.centers, weights), by_city)
    practitioners = _practitioners(
        vocab, stream(seed, "practitioners"), apportion(scale.practitioners, weights)
    )
    roles = assign_practices(vocab, stream(seed, "roles"), hospitals, practitioners)
    partners = assign_partners(vocab, stream(seed, "partners"), hospitals, centers, practitioners)
    return World(vocab, scale, seed, localities, hospitals, centers, practitioners, roles, partners)


def _jitter(rng: random.Random, value: float) -> float:
    return round(value + rng.uniform(-0.008, 0.008), 6)


def _placed(
    rng: random.Random, slugs: SlugRegistry, name: str, city_slug: str, loc: LocalityRef
) -> tuple[str, float, float]:
    """A facility's unique slug and its point near the locality's centre (draws two numbers)."""
    slug = slugs.claim(f"{slugify(name)}-{city_slug}")
    return slug, _jitter(rng, loc.info.lat), _jitter(rng, loc.info.lng)


def _quality(rng: random.Random) -> float:
    """A provider's hidden quality, a clipped normal draw (it steers ratings and demand)."""
    return max(-1.5, min(1.5, rng.gauss(0.0, 0.6)))


def _hospitals(
    vocab: Vocabulary, rng: random.Random, counts: list[int], by_city: list[list[LocalityRef]]
) -> list[HospitalDraft]:
    words = vocab.providers
    kinds = Picker(list(words.hospital_kind_weights), list(words.hospital_kind_weights.values()))
    chains = [b for b in words.hospital_brands if b.chain]
    independents = [b for b in words.hospital_brands if not b.chain]
    slugs = SlugRegistry()
    names: set[str] = set()
    out: list[HospitalDraft] = []
    for city_index, count in enumerate(counts):
        city = vocab.cities[city_index]
        for _ in range(count):
            kind = kinds.pick(rng)
            for _attempt in range(6):
                loc = rng.choice(by_city[city_index])
                is_chain = kind == HOSPITAL and chance(rng, 0.2)
                brand = rng.choice(chains if is_chain else independents)
                name = f"{brand.name} {rng.choice(words.hospital_suffixes[kind])} {loc.info.name}"
                if name not in names:
                    break
            names.add(name)
            if kind == HOSPITAL:
                beds = int(min(600, max(30, rng.lognormvariate(4.8, 0.6))))
                icu = max(4, int(beds * rng.uniform(0.08, 0.15)))
            elif kind == NURSING_HOME:
                beds, icu = rng.randint(8, 40), rng.randint(0, 4)
            else:
                beds, icu = 0, 0
            slug, lat, lng = _placed(rng, slugs, name, city.slug, loc)
            out.append(
                HospitalDraft(
                    id=len(out) + 1,
                    city=city_index,
                    locality_id=loc.id,
                    kind=kind,
                    brand=brand,
                    name=name,
                    slug=slug,
                    lat=lat,
                    lng=lng,
                    beds=beds,
                    icu_beds=icu,
                    price_level=rng.uniform(0.85, 1.25) * (1.1 if brand.chain else 1.0),
                    quality=_quality(rng),
                    popularity=(4.0 + beds / 15)
                    if kind == HOSPITAL
                    else 3.0
                    if kind == NURSING_HOME
                    else 1.5,
                )
            )
    return out


def _centers(
    vocab: Vocabulary, rng: random.Random, counts: list[int], by_city: list[list[LocalityRef]]
) -> list[CenterDraft]:
    words = vocab.providers
    chains = [b for b in words.center_brands if b.chain]
    independents = [b for b in words.center_brands if not b.chain]
    slugs = SlugRegistry()
    out: list[CenterDraft] = []
    for city_index, count in enumerate(counts):
        city = vocab.cities[city_index]
        for _ in range(count):
            loc = rng.choice(by_city[city_index])
            brand = rng.choice(chains if chance(rng, 0.1) else independents)
            imaging = chance(rng, 0.45)
            suffix = rng.choice(words.center_suffixes["imaging" if imaging else "lab"])
            name = f"{brand.name} {suffix} {loc.info.name}"
            slug, lat, lng = _placed(rng, slugs, name, city.slug, loc)
            out.append(
                CenterDraft(
                    id=len(out) + 1,
                    city=city_index,
                    locality_id=loc.id,
                    brand=brand,
                    name=name,
                    slug=slug,
                    lat=lat,
                    lng=lng,
                    imaging=imaging,
                    home_collection=chance(rng, 0.7),
                    price_level=rng.uniform(0.75, 1.3),
                    quality=_quality(rng),
                    popularity=rng.lognormvariate(0.0, 0.7),
                )
            )
    return out


def _practitioners(
    vocab: Vocabulary, rng: random.Random, counts: list[int]
) -> list[PractitionerDraft]:
    specialties = Picker(list(range(len(vocab.specialties))), [s.weight for s in vocab.specialties])
    index_of = {s.slug: i for i, s in enumerate(vocab.specialties)}
    slugs = SlugRegistry()
    out: list[PractitionerDraft] = []
    for city_index, count in enumerate(counts):
        city = vocab.cities[city_index]
        names = NameMaker(vocab, city)
        for _ in range(count):
            primary = specialties.pick(rng)
            spec = vocab.specialties[primary]
            chosen = [primary]
            if spec.related and chance(rng, 0.2):
                chosen.append(index_of[rng.choice(spec.related)])
            female = chance(rng, spec.female_share)
            first, last = names.person(rng, female)
            out.append(
                PractitionerDraft(
                    id=len(out) + 1,
                    city=city_index,
                    female=female,
                    first=first,
                    last=last,
                    slug=slugs.claim(f"{slugify(first)}-{slugify(last)}-{city.slug}"),
                    specialties=chosen,
                    experience=max(1, min(40, int(rng.gammavariate(2.4, 5.5)))),
                    popularity=rng.lognormvariate(0.0, 0.8),
                    quality=_quality(rng),
                    offers_video=chance(rng, spec.video),
                    active=chance(rng, 0.95),
                )
            )
    return out
