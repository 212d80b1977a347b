"""Normalising e-mail addresses, mail domains and phone numbers, as stored and matched."""

from __future__ import annotations

import re

from letterpress.errors import ValidationError

_EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,63}|[^@\s<>]+\.xn--[a-z0-9-]+)$")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def normalise_email(value: str, *, field: str = "email") -> str:
    email = value.strip().lower()
    if not _EMAIL_RE.match(email):
        raise ValidationError(f"{value!r} is not an e-mail address", field=field)
    return email


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def normalise_domain(value: str, *, field: str = "domains") -> str:
    domain = value.strip().lower().lstrip("@")
    if domain.startswith(("http://", "https://")):
        domain = domain.split("://", 1)[1]
    domain = domain.split("/", 1)[0].removeprefix("www.")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(f"{value!r} is not a mail domain", field=field) from None
    if not _DOMAIN_RE.match(domain):
        raise ValidationError(f"{value!r} is not a mail domain", field=field)
    return domain


def normalise_phone(value: str, *, field: str = "phones") -> str:
    """Keep the number as people write it, but require digits; Russian 8-prefix becomes +7."""
    phone = " ".join(value.split())
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 5 or len(digits) > 20:
        raise ValidationError(f"{value!r} is not a phone number", field=field)
    if len(digits) == 11 and phone.startswith("8"):
        return "+7" + phone[1:]
    return phone


def phone_digits(value: str) -> str:
    """Digits only, Russian trunk prefix folded, for matching two spellings of one number."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] in "78":
        return "7" + digits[1:]
    return digits
