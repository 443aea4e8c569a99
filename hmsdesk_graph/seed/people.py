"""Fictional people and handles: Indian names by region, unique phones and emails, slugs."""

from __future__ import annotations

import random
import re
import unicodedata

from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.seed.chance import Picker
from hmsdesk_graph.seed.vocabulary import CityInfo, NamePool, Vocabulary

FEMALE = "FEMALE"
MALE = "MALE"

# 3**18 is coprime with 10**9, so index -> index * M mod 10**9 is a bijection: unique phones
# without remembering the ones already handed out.
_PHONE_MULTIPLIER = 387_420_489
_PHONE_SPACE = 1_000_000_000
_MOBILE_FIRST_DIGITS = "99988776"  # Indian mobiles start with 6-9, 9 and 8 most often
# Reserved for documentation (RFC 2606): seeded addresses can never reach a real inbox.
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("'", "").replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class SlugRegistry:
    """Hands out unique slugs: the first `x` is `x`, later ones `x-2`, `x-3`, ..."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def claim(self, base: str) -> str:
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        if count == 1:
            return base
        candidate = f"{base}-{count}"
        while candidate in self._seen:  # "x-2" may itself have been a base
            count += 1
            candidate = f"{base}-{count}"
        self._seen[base] = count
        self._seen[candidate] = 1
        return candidate


class NameMaker:
    """Names that fit a city: its mix of regional name pools, with gendered first names."""

    def __init__(self, vocab: Vocabulary, city: CityInfo) -> None:
        keys = [key for key, _ in city.name_pools]
        self._pools: Picker[NamePool] = Picker(
            [vocab.name_pools[key] for key in keys], [w for _, w in city.name_pools]
        )

    def person(self, rng: random.Random, female: bool) -> tuple[str, str]:
        """(first name, surname); both from one pool so they belong together."""
        pool = self._pools.pick(rng)
        first = rng.choice(pool.female if female else pool.male)
        return first, rng.choice(pool.surnames)


def phone_number(index: int, salt: int) -> str:
    """A +91 mobile number, unique per (index, salt) for index < 10**9."""
    tail = (index * _PHONE_MULTIPLIER + salt) % _PHONE_SPACE
    first = _MOBILE_FIRST_DIGITS[(tail // 7) % len(_MOBILE_FIRST_DIGITS)]
    return f"+91{first}{tail:09d}"


def email_address(first: str, last: str, index: int, tag: str = "") -> str:
    """A unique address on a reserved domain, e.g. ``priya.kulkarni.p1234@example.com``."""
    local = ".".join(p for p in (slugify(first), slugify(last)) if p).replace("-", "")
    domain = _EMAIL_DOMAINS[index % len(_EMAIL_DOMAINS)]
    return f"{local}.{tag}{index}@{domain}"


def display_name(first: str, last: str) -> str:
    """What a review shows for a named author: "Priya S."."""
    initial = next((ch for ch in last if ch.isalpha()), "")
    return f"{first} {initial.upper()}." if initial else first


def landline_number(index: int, salt: int, std_code: str) -> str:
    """A city landline (trunk code + subscriber number, 10 digits in all), unique per index."""
    width = 9 - len(std_code)  # digits after the first subscriber digit
    tail = (index * _PHONE_MULTIPLIER + salt) % 10**width
    first = "2467"[index % 4]  # subscriber numbers do not start with 0 or 1
    return f"+91{std_code}{first}{tail:0{width}d}"


def sealed(cipher: FieldCipher, value: str, kind: str) -> tuple[str, str]:
    """(ciphertext, lookup hash) of a phone or email: the only form PII takes in the database."""
    return cipher.encrypt(value), cipher.lookup_hash(value, kind)
