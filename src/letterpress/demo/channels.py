"""Plausible phones, addresses and taxpayer numbers for demo counterparties and contacts."""

from __future__ import annotations

import random

from letterpress.crm.inn import is_valid_inn, make_inn
from letterpress.demo.names import CITIES, STREETS

MOBILE_CODES = ("903", "905", "909", "915", "916", "917", "925", "926", "961", "967", "977",
                "985", "999", "921", "911", "918", "928", "952")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _group(number: str) -> str:
    """A subscriber number written as Russians do: 123-45-67, 12-34-56, 1-23-45."""
    return f"{number[:-4]}-{number[-4:-2]}-{number[-2:]}"


def city_phone(rng: random.Random, city: str) -> str:
    code = CITIES[city].phone_code
    local = str(rng.randint(2, 9)) + _digits(rng, 10 - len(code) - 1)
    return f"+7 ({code}) {_group(local)}"


def mobile_phone(rng: random.Random) -> str:
    return f"+7 ({rng.choice(MOBILE_CODES)}) {_group(str(rng.randint(2, 9)) + _digits(rng, 6))}"


def address(rng: random.Random, city: str) -> str:
    prefix = CITIES[city].postcode
    postcode = prefix + _digits(rng, 6 - len(prefix))
    parts = [postcode, f"г. {city}", rng.choice(STREETS), f"д. {rng.randint(1, 120)}"]
    if rng.random() < 0.3:
        parts.append(f"стр. {rng.randint(1, 9)}")
    if rng.random() < 0.7:
        parts.append(f"{rng.choice(('офис', 'пом.', 'оф.'))} {rng.randint(1, 540)}")
    return ", ".join(parts)


def company_inn(rng: random.Random, city: str, used: set[str]) -> str:
    """A valid, unused 10-digit INN registered in the city's region."""
    while True:
        inn = make_inn(CITIES[city].region + f"{rng.randint(1, 35):02d}" + _digits(rng, 5))
        if inn not in used:
            used.add(inn)
            return inn


def person_inn(rng: random.Random, city: str, used: set[str]) -> str:
    """A valid, unused 12-digit INN (a sole trader's) registered in the city's region."""
    while True:
        prefix = CITIES[city].region + f"{rng.randint(1, 35):02d}" + _digits(rng, 6)
        # The two check digits are found by trying: at most a hundred checksum computations.
        inn = next(
            prefix + f"{n:02d}" for n in range(100) if is_valid_inn(prefix + f"{n:02d}")
        )
        if inn not in used:
            used.add(inn)
            return inn


def kpp_for(inn: str) -> str:
    """The KPP of an organisation registered where its INN was issued (reason code 01)."""
    return inn[:4] + "01001"
