"""Seeded pools the family generator picks from (names, streets, postcodes), built once per run.

Faker is called a few thousand times to fill the pools; each person is then a handful of seeded
random picks, which is what makes a million people take minutes rather than hours.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from faker import Faker

T = TypeVar("T")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward code's unit
POOL_SIZE = 3000

# Faker has no transliterated Arabic or Kurdish names; a short list does.
ARABIC_KURDISH = (
    (
        "Amira",
        "Fatima",
        "Layla",
        "Noor",
        "Mariam",
        "Huda",
        "Rania",
        "Salma",
        "Yasmin",
        "Zainab",
        "Hana",
        "Dilan",
        "Rojin",
        "Shilan",
        "Avin",
        "Nasrin",
        "Leila",
        "Samira",
        "Aya",
        "Rawan",
        "Dunya",
        "Berivan",
        "Sara",
        "Jwan",
        "Hevi",
        "Lana",
        "Shno",
        "Nazdar",
        "Reem",
        "Souad",
    ),
    (
        "Ahmed",
        "Mohammed",
        "Omar",
        "Ali",
        "Karwan",
        "Rebwar",
        "Hassan",
        "Yusuf",
        "Khalid",
        "Tariq",
        "Bilal",
        "Hamza",
        "Ibrahim",
        "Mustafa",
        "Saman",
        "Dilshad",
        "Aram",
        "Hawre",
        "Zana",
        "Kamal",
        "Sami",
        "Nabil",
        "Faisal",
        "Hussein",
        "Idris",
        "Hiwa",
        "Shwan",
        "Rawa",
        "Adil",
        "Salah",
    ),
    (
        "Ahmed",
        "Hassan",
        "Ali",
        "Mohammed",
        "Abdullah",
        "Rashid",
        "Karim",
        "Mahmoud",
        "Saleh",
        "Hamid",
        "Aziz",
        "Barzani",
        "Rasul",
        "Qadir",
        "Osman",
        "Jaf",
        "Hawrami",
        "Salih",
        "Mustafa",
        "Ibrahim",
        "Khalil",
        "Nouri",
        "Haddad",
        "Mansour",
        "Darwish",
        "Sharif",
        "Yousef",
        "Kareem",
        "Omar",
        "Amin",
    ),
)

# Fictional practices (no practice codes: real ODS codes must not be invented).
GP_PRACTICES = (
    "Larkspur Lane Surgery",
    "Oakwood Vale Medical Practice",
    "Kestrel Road Health Centre",
    "Millbrook Family Practice",
    "Riverside Green Surgery",
    "Hollyhock Medical Group",
    "Chestnut Walk Surgery",
    "Foxglove Health Partnership",
    "Wrenfield Medical Centre",
    "Bramblehill Practice",
    "Linden Court Surgery",
    "Heronsgate Medical Practice",
    "Cobblestone Health Centre",
    "Willowmead Surgery",
    "Ashgrove Family Doctors",
    "Thistledown Medical Practice",
    "Sandpiper Surgery",
    "Marigold House Practice",
)

HOUSEHOLD_NOTES = (
    "Dog in the house: ask for it to be put away before visits.",
    "Best to call after 10am.",
    "Door buzzer does not work: knock loudly.",
    "Flat on the third floor, no lift. Pram stored downstairs.",
    "Prefers text messages to calls.",
    "Parking on the street is difficult; use the car park behind the shops.",
    "Older child at school until 3pm: visits in the morning suit best.",
)

ADDITIONAL_NEEDS = (
    "Speech and language: waiting for assessment.",
    "Eczema; uses emollients.",
    "Hearing: under review by audiology.",
    "Born prematurely; follow-up with the community paediatrician.",
    "Mobility: uses a walking frame.",
)


class Weighted(Generic[T]):
    """Pick by weight with one random number (bisect on the cumulative weights)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]] | dict[T, float]) -> None:
        items = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
        self.items = [k for k, _ in items]
        self.cum: list[float] = []
        total = 0.0
        for _, w in items:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, r: float) -> T:
        """`r` is a uniform random number in [0, 1)."""
        return self.items[bisect.bisect_right(self.cum, r * self.total)]


@dataclass(frozen=True)
class NamePool:
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]


def _faker_pool(locale: str, seed: int, size: int) -> NamePool:
    fake = Faker(locale)
    fake.seed_instance(seed)
    female = tuple(fake.first_name_female() for _ in range(size))
    male = tuple(fake.first_name_male() for _ in range(size))
    family = tuple(fake.last_name() for _ in range(size))
    return NamePool(female, male, family)


@dataclass(frozen=True)
class Pools:
    names: dict[str, NamePool]
    streets: tuple[tuple[str, str], ...]
    postcodes: dict[str, tuple[str, ...]]  # by ward code


LOCALES = {"gb": "en_GB", "pl": "pl_PL", "ro": "ro_RO", "pk": "en_PK", "in": "en_IN"}


DISTRICTS = tuple(f"NG{n}" for n in range(1, 12))


def assign_sectors(
    rng: random.Random, wards: Sequence[tuple[str, tuple[str, ...], float]]
) -> dict[str, list[str]]:
    """Share the postcode sectors of NG1..NG11 ('NG7 3') among the wards, in proportion to each
    ward's weight, from its own districts first, so no postcode is in two wards."""
    free = {d: [f"{d} {s}" for s in range(10)] for d in DISTRICTS}
    for sectors in free.values():
        rng.shuffle(sectors)
    total = sum(w for _, _, w in wards) or 1.0
    n_sectors = sum(len(v) for v in free.values())
    out: dict[str, list[str]] = {}
    for code, outwards, weight in sorted(wards, key=lambda w: (-w[2], w[0])):
        want = max(1, int(n_sectors * weight / total))
        got: list[str] = []
        for district in (*outwards, *DISTRICTS):
            while free[district] and len(got) < want:
                got.append(free[district].pop())
        out[code] = got
    return out


def build_pools(
    seed: int, wards: Sequence[tuple[str, tuple[str, ...], float]], *, size: int = POOL_SIZE
) -> Pools:
    """`wards` are (ward code, likely postcode districts, weight)."""
    names = {
        key: _faker_pool(locale, seed + i, size if key == "gb" else size // 3)
        for i, (key, locale) in enumerate(LOCALES.items())
    }
    names["ar"] = NamePool(*ARABIC_KURDISH)
    fake = Faker("en_GB")
    fake.seed_instance(seed + 100)
    streets = []
    for _ in range(size):
        parts = fake.street_address().split("\n")
        streets.append((parts[0], ", ".join(parts[1:])))
    return Pools(names=names, streets=tuple(streets), postcodes=postcode_pools(seed, wards))


def postcode_pools(
    seed: int, wards: Sequence[tuple[str, tuple[str, ...], float]]
) -> dict[str, tuple[str, ...]]:
    """Every made-up postcode of each ward (by ward code): each sector's 400 units."""
    rng = random.Random(seed + 200)
    units = [a + b for a in INWARD_LETTERS for b in INWARD_LETTERS]
    return {
        code: tuple(f"{sector}{unit}" for sector in sectors for unit in units)
        for code, sectors in assign_sectors(rng, wards).items()
    }


# NHS numbers: 999 then six digits then a modulus 11 check digit. The never-issued range holds
# 1,000,000 bodies of which 909,091 have a valid check digit.
NHS_999_BODIES = 1_000_000


def nhs_check_digit(body: str) -> int:
    """10 for a body that has no valid check digit."""
    total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check


def nhs_numbers_999(start: int) -> Iterator[str]:
    """Every valid NHS number in the 999 range once, from body `start` (wrapping), then stops."""
    # The weighted sum of 999dddddd, split so each number costs two list lookups.
    prefix = 9 * 10 + 9 * 9 + 9 * 8
    high = [prefix + (k // 100) * 7 + (k // 10 % 10) * 6 + (k % 10) * 5 for k in range(1000)]
    low = [(k // 100) * 4 + (k // 10 % 10) * 3 + (k % 10) * 2 for k in range(1000)]
    for i in range(NHS_999_BODIES):
        n = (start + i) % NHS_999_BODIES
        check = 11 - (high[n // 1000] + low[n % 1000]) % 11
        if check == 11:
            check = 0
        if check != 10:
            yield f"999{n:06d}{check}"
