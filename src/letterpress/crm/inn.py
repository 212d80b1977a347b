"""Russian taxpayer numbers: INN (ИНН) checksums and KPP (КПП) format.

INN: 10 digits for an organisation, 12 for a person or sole trader, with check digits computed
from fixed weights mod 11 mod 10. KPP: 9 characters, digits except positions 5-6 (0-9 or A-Z).
"""

from __future__ import annotations

import re

from letterpress.errors import ValidationError

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def is_valid_inn(inn: str) -> bool:
    if not inn.isdigit() or not inn.isascii():
        return False
    if len(inn) == 10:
        return _check_digit(inn, _W10) == int(inn[9])
    if len(inn) == 12:
        return (
            _check_digit(inn, _W12_1) == int(inn[10])
            and _check_digit(inn, _W12_2) == int(inn[11])
        )
    return False


def normalise_inn(value: str | None) -> str | None:
    """The INN without spaces, or None when empty; raises ValidationError on a bad checksum."""
    if value is None:
        return None
    inn = re.sub(r"\s+", "", value)
    if not inn:
        return None
    if not is_valid_inn(inn):
        raise ValidationError(
            f"INN {value!r} is not valid (10 or 12 digits with correct check digits)", field="inn"
        )
    return inn


def normalise_kpp(value: str | None) -> str | None:
    if value is None:
        return None
    kpp = re.sub(r"\s+", "", value).upper()
    if not kpp:
        return None
    if not _KPP_RE.match(kpp):
        raise ValidationError(f"KPP {value!r} is not valid (9 characters, NNNNXXNNN)", field="kpp")
    return kpp


def make_inn(prefix9: str) -> str:
    """A valid 10-digit INN from 9 digits (for demos and tests)."""
    return prefix9 + str(_check_digit(prefix9, _W10))
