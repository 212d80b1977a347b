"""Typed, validated settings read from a TOML file.

The file is read with :mod:`tomllib` into frozen dataclasses. Unknown keys, wrong types and bad
values stop start-up with one :class:`~letterpress.errors.ConfigError` naming the file, the dotted
key and what was expected. Every key is documented, with its default, in ``config.example.toml``;
a test loads that file through :func:`load_settings` so the example never drifts.

Where the settings come from (first match wins):

* the file: ``--config FILE``, else ``$LETTERPRESS_CONFIG``, else ``./letterpress.toml`` if it
  exists, else built-in defaults;
* the data directory: ``--data-dir``, else ``$LETTERPRESS_DATA_DIR``, else ``data_dir`` in the
  file, else ``./var``;
* the database: ``$LETTERPRESS_DATABASE_URL``, else ``database_url`` in the file, else SQLite in
  the data directory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import tomllib
import types
import typing
import urllib.parse
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from letterpress.errors import ConfigError

MailSecurity = Literal["tls", "starttls", "plain"]
MailboxKind = Literal["personal", "shared"]
MailboxRight = Literal["read", "send_as", "manage"]

DEFAULT_PUBLIC_MAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "googlemail.com", "mail.ru", "yandex.ru", "ya.ru", "yandex.com", "bk.ru",
    "inbox.ru", "list.ru", "internet.ru", "rambler.ru", "outlook.com", "hotmail.com", "live.com",
    "msn.com", "yahoo.com", "icloud.com", "me.com", "aol.com", "protonmail.com", "proton.me",
    "gmx.com", "gmx.de", "qip.ru", "ukr.net", "tut.by",
)


@dataclass(frozen=True)
class CompanySettings:
    name: str = "Типография"
    timezone: str = "Europe/Moscow"
    currency: str = "RUB"
    mail_domains: tuple[str, ...] = ()

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 5000
    secret_key_env: str = "LETTERPRESS_SECRET_KEY"
    secure_cookies: bool = False
    default_language: Literal["ru", "en"] = "ru"
    page_size: int = 50
    login_attempts_per_minute: int = 10
    # Gunicorn worker processes of `letterpress serve`; "auto" (or 0): see web.server.workers_for.
    workers: int | Literal["auto"] = "auto"
    # The site's address as users reach it (behind a reverse proxy); None: the request's host.
    public_url: str | None = None


@dataclass(frozen=True)
class ImportSettings:
    batch_size: int = 5000


@dataclass(frozen=True)
class Grant:
    rights: tuple[MailboxRight, ...]
    user: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: MailSecurity = "starttls"
    user: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    password_env: str | None = None
    # A PEM file of the CA that signed the server's certificate (a company CA); empty: the system's.
    ca_file: str = ""

    def secret(self) -> str:
        """The SMTP password, from the environment when ``password_env`` is set."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(
                    f"SMTP relay {self.host!r}: environment variable {self.password_env} is not set"
                )
            return value
        return self.password or ""


@dataclass(frozen=True)
class MailboxSettings:
    name: str
    host: str
    user: str
    port: int = 993
    security: MailSecurity = "tls"
    password: str | None = dataclasses.field(default=None, repr=False)
    password_env: str | None = None
    kind: MailboxKind = "personal"
    owner: str | None = None
    grants: tuple[Grant, ...] = ()
    folders: tuple[str, ...] = ("INBOX",)
    sent_folders: tuple[str, ...] = ()
    fetch_since: dt.date | None = None
    smtp: SmtpSettings | None = None
    # A PEM file of the CA that signed the IMAP server's certificate; empty: the system's CAs.
    ca_file: str = ""

    def secret(self) -> str:
        """The IMAP password, from the environment when ``password_env`` is set."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(
                    f"mailbox {self.name!r}: environment variable {self.password_env} is not set"
                )
            return value
        return self.password or ""


@dataclass(frozen=True)
class TopicSettings:
    name: str
    keywords: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailSettings:
    public_domains: tuple[str, ...] = DEFAULT_PUBLIC_MAIL_DOMAINS
    blocklist: tuple[str, ...] = ()
    poll_interval_s: float = 60.0
    idle_timeout_s: float = 600.0
    connect_timeout_s: float = 30.0
    fetch_batch: int = 50
    history_visible_without_rights: Literal["exists", "nothing"] = "exists"
    head_sees_team_mail: bool = False
    order_number_pattern: str = (
        r"(?:заказ[ау]?|order|№)\s*(?:№\s*)?#?\s*([A-ZА-Я]{0,4}-?\d{3,10})"
    )
    topics: tuple[TopicSettings, ...] = ()


@dataclass(frozen=True)
class DavSettings:
    """The CalDAV/CardDAV server under ``/dav/`` (see docs/dav.md)."""

    realm: str = "Letterpress"
    auth_cache_seconds: float = 60.0
    max_xml_body_bytes: int = 1_048_576
    max_resource_bytes: int = 5_242_880
    sync_page_size: int = 1000
    tombstone_days: int = 90
    # Active app passwords per user: a failed DAV login checks each one with argon2.
    max_app_passwords: int = 10


@dataclass(frozen=True)
class RemindersSettings:
    """Defaults of the reminder engine; users may override the lead times for themselves."""

    event_lead_minutes: int = 15
    task_lead_hours: int = 24
    morning_hour: int = 9
    order_days_before: int = 1
    invoice_days_before: int = 3
    birthday_days_before: int = 1
    birthday_call_time: str = "10:00"
    catch_up_hours: int = 24
    snooze_minutes: int = 15
    digest: bool = True
    digest_from: str = "letterpress@localhost"
    digest_smtp: SmtpSettings | None = None


@dataclass(frozen=True)
class CounterpartyChecklist:
    """Weights of a counterparty's completeness checklist (полнота заполнения); 0 drops an item."""

    inn: float = 1.0
    legal_name: float = 1.0
    address: float = 1.0
    phone: float = 1.0
    email: float = 1.0
    manager: float = 1.0


@dataclass(frozen=True)
class ContactChecklist:
    """Weights of a contact person's completeness checklist."""

    name: float = 1.0
    position: float = 1.0
    phone: float = 1.0
    email: float = 1.0
    birthday: float = 1.0


AnalyticsMeasure = Literal["revenue", "gross_profit", "orders"]


@dataclass(frozen=True)
class AnalyticsSettings:
    """Thresholds of the analytical CRM (``[analytics]``); every report names the ones it used."""

    period_months: int = 12
    abc_measure: AnalyticsMeasure = "revenue"
    abc_a_percent: float = 80.0
    abc_b_percent: float = 95.0
    stage_window_months: int = 12
    lost_after_months: int = 6
    xyz_measure: AnalyticsMeasure = "revenue"
    xyz_bucket: Literal["month", "quarter", "year"] = "month"
    xyz_thresholds: Literal["auto", "monthly", "classic", "custom"] = "auto"
    xyz_x_percent: float = 50.0
    xyz_y_percent: float = 100.0
    attribution_days: int = 90
    nightly_hour: int = 3
    postgres_work_mem: str = "256MB"
    completeness: CounterpartyChecklist = field(default_factory=CounterpartyChecklist)
    contact_completeness: ContactChecklist = field(default_factory=ContactChecklist)


@dataclass(frozen=True)
class SearchSettings:
    backend: Literal["auto", "sqlite", "postgres", "whoosh"] = "auto"
    analyzer: Literal["snowball", "pymorphy"] = "snowball"
    whoosh_dir: str = ""
    page_size: int = 20
    relevance_window: int = 20_000


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""
    company: CompanySettings = field(default_factory=CompanySettings)
    web: WebSettings = field(default_factory=WebSettings)
    imports: ImportSettings = field(default_factory=ImportSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    mailboxes: tuple[MailboxSettings, ...] = ()
    dav: DavSettings = field(default_factory=DavSettings)
    reminders: RemindersSettings = field(default_factory=RemindersSettings)
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)
    source: str = "<defaults>"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'letterpress.db').resolve()}"


# Keys of the TOML file that differ from the attribute they fill.
_RENAMES: dict[str, str] = {"import": "imports"}
_INTERNAL_FIELDS = {"source"}


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read and validate the settings; see the module docstring for the order of sources."""
    env = os.environ if environ is None else environ
    path = _config_path(config_file, env)
    raw: dict[str, Any] = {}
    source = "<defaults>"
    if path is not None:
        source = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: no such config file") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    settings: Settings = _build(Settings, raw, source, "")
    overrides: dict[str, Any] = {"source": source}
    chosen_dir = data_dir or env.get("LETTERPRESS_DATA_DIR")
    if chosen_dir:
        overrides["data_dir"] = Path(chosen_dir)
    if env.get("LETTERPRESS_DATABASE_URL"):
        overrides["database_url"] = env["LETTERPRESS_DATABASE_URL"]
    settings = dataclasses.replace(settings, **overrides)
    _check(settings)
    return settings


def _config_path(
    config_file: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> Path | None:
    if config_file:
        return Path(config_file)
    if env.get("LETTERPRESS_CONFIG"):
        return Path(env["LETTERPRESS_CONFIG"])
    local = Path("letterpress.toml")
    return local if local.exists() else None


def _build(cls: type[Any], raw: Any, source: str, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: key {prefix or '<root>'!r}: expected a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in _INTERNAL_FIELDS}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = _RENAMES.get(key, key) if not prefix else key
        dotted = f"{prefix}{key}"
        if name not in fields:
            toml_names = {v: k for k, v in _RENAMES.items()} if not prefix else {}
            known = ", ".join(sorted(toml_names.get(n, n) for n in fields))
            raise ConfigError(f"{source}: unknown key {dotted!r} (known keys here: {known})")
        values[name] = _convert(hints[name], value, source, dotted)
    missing = [
        n for n, f in fields.items()
        if n not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{source}: key {prefix + missing[0]!r} is required")
    return cls(**values)


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_describe(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is tuple:
        return f"a list of {_describe(typing.get_args(tp)[0])}"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             Path: "a path string", dt.date: "a date (YYYY-MM-DD)"}
    if tp in names:
        return names[tp]
    if dataclasses.is_dataclass(tp):
        return "a table"
    return str(tp)


def _convert(tp: Any, value: Any, source: str, dotted: str) -> Any:
    def fail() -> ConfigError:
        return ConfigError(
            f"{source}: key {dotted!r}: expected {_describe(tp)}, got {value!r}"
        )

    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        for arg in args:
            try:
                return _convert(arg, value, source, dotted)
            except ConfigError:
                if len(args) == 1:
                    raise
        raise fail()
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise fail()
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise fail()
        item_type = typing.get_args(tp)[0]
        return tuple(
            _convert(item_type, item, source, f"{dotted}[{i}]") for i, item in enumerate(value)
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, source, dotted + ".")
    if tp is bool:
        if not isinstance(value, bool):
            raise fail()
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail()
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail()
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise fail()
        return value
    if tp is Path:
        if not isinstance(value, str):
            raise fail()
        return Path(value)
    if tp is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise fail() from None
        raise fail()
    raise ConfigError(f"{source}: key {dotted!r}: unsupported setting type {tp!r}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check(settings: Settings) -> None:
    """Rules that span several keys."""
    source = settings.source
    try:
        _ = settings.company.tz
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{source}: key 'company.timezone': expected an IANA time zone such as "
            f"'Europe/Moscow', got {settings.company.timezone!r}"
        ) from None
    if len(settings.company.currency) != 3 or not settings.company.currency.isalpha():
        raise ConfigError(
            f"{source}: key 'company.currency': expected a 3-letter ISO 4217 code, "
            f"got {settings.company.currency!r}"
        )
    if settings.search.relevance_window < 0:
        raise ConfigError(f"{source}: key 'search.relevance_window': expected 0 or more, "
                          f"got {settings.search.relevance_window}")
    if not 1 <= settings.search.page_size <= 200:
        raise ConfigError(f"{source}: key 'search.page_size': expected 1-200, "
                          f"got {settings.search.page_size}")
    if not 0 < settings.web.port < 65536:
        raise ConfigError(f"{source}: key 'web.port': expected 1-65535, got {settings.web.port}")
    if settings.web.workers != "auto" and not 0 <= settings.web.workers <= 64:
        raise ConfigError(f"{source}: key 'web.workers': expected \"auto\" or 0-64, "
                          f"got {settings.web.workers}")
    if settings.web.public_url is not None:
        _check_public_url(settings.web.public_url, source)
    _check_analytics(settings.analytics, source)
    _check_dav_and_reminders(settings)
    names: set[str] = set()
    for i, box in enumerate(settings.mailboxes):
        key = f"mailboxes[{i}]"
        if box.name in names:
            raise ConfigError(f"{source}: key '{key}.name': mailbox name {box.name!r} is used twice")
        names.add(box.name)
        if box.security == "plain" and not _is_loopback(box.host):
            raise ConfigError(
                f"{source}: key '{key}.security': 'plain' is allowed only to a loopback host, "
                f"not {box.host!r}; use 'tls' or 'starttls'"
            )
        if box.kind == "personal" and not box.owner:
            raise ConfigError(f"{source}: key '{key}.owner': a personal mailbox needs an owner")
        if box.kind == "shared" and not box.grants:
            raise ConfigError(f"{source}: key '{key}.grants': a shared mailbox needs grants")
        if box.password and box.password_env:
            raise ConfigError(
                f"{source}: key '{key}.password': give either password or password_env, not both"
            )
        for j, grant in enumerate(box.grants):
            if (grant.user is None) == (grant.team is None):
                raise ConfigError(
                    f"{source}: key '{key}.grants[{j}]': expected exactly one of user or team"
                )
        if box.smtp is not None:
            _check_smtp(box.smtp, f"{key}.smtp", source)
        if box.ca_file and not Path(box.ca_file).is_file():
            raise ConfigError(f"{source}: key '{key}.ca_file': no such file {box.ca_file!r}")
        for folder in box.sent_folders:
            if folder not in box.folders:
                raise ConfigError(
                    f"{source}: key '{key}.sent_folders': {folder!r} is not among 'folders'"
                )


def _check_public_url(url: str, source: str) -> None:
    """An absolute http(s) address of the site's root, which the addresses shown to users extend."""
    parts = urllib.parse.urlsplit(url)
    try:
        valid_port = parts.port is not None or ":" not in parts.netloc.rsplit("]", 1)[-1]
    except ValueError:
        valid_port = False
    if (parts.scheme not in ("http", "https") or not parts.hostname or not valid_port
            or "?" in url or "#" in url or "@" in parts.netloc
            or any(c.isspace() for c in url)):
        raise ConfigError(
            f"{source}: key 'web.public_url': expected an http(s) address such as "
            f"'https://crm.example.com/' (no query, fragment or credentials), got {url!r}"
        )


def _check_dav_and_reminders(settings: Settings) -> None:
    source, dav, rem = settings.source, settings.dav, settings.reminders
    for key, value in (("dav.max_xml_body_bytes", dav.max_xml_body_bytes),
                       ("dav.max_resource_bytes", dav.max_resource_bytes),
                       ("dav.sync_page_size", dav.sync_page_size),
                       ("dav.tombstone_days", dav.tombstone_days),
                       ("dav.max_app_passwords", dav.max_app_passwords)):
        if value < 1:
            raise ConfigError(f"{source}: key {key!r}: expected a positive integer, got {value}")
    if not 0 <= rem.morning_hour <= 23:
        raise ConfigError(
            f"{source}: key 'reminders.morning_hour': expected 0-23, got {rem.morning_hour}"
        )
    if rem.digest_smtp is not None:
        _check_smtp(rem.digest_smtp, "reminders.digest_smtp", source)
    try:
        dt.time.fromisoformat(rem.birthday_call_time)
    except ValueError:
        raise ConfigError(
            f"{source}: key 'reminders.birthday_call_time': expected a time like '10:00', "
            f"got {rem.birthday_call_time!r}"
        ) from None


def _check_smtp(smtp: SmtpSettings, key: str, source: str) -> None:
    if smtp.security == "plain" and not _is_loopback(smtp.host):
        raise ConfigError(
            f"{source}: key '{key}.security': 'plain' is allowed only to a loopback host, "
            f"not {smtp.host!r}; use 'tls' or 'starttls'"
        )
    if smtp.password and smtp.password_env:
        raise ConfigError(f"{source}: key '{key}.password': give either password or "
                          "password_env, not both")
    if not 0 < smtp.port < 65536:
        raise ConfigError(f"{source}: key '{key}.port': expected 1-65535, got {smtp.port}")
    if smtp.ca_file and not Path(smtp.ca_file).is_file():
        raise ConfigError(f"{source}: key '{key}.ca_file': no such file {smtp.ca_file!r}")


def _check_analytics(analytics: AnalyticsSettings, source: str) -> None:
    def fail(key: str, expected: str, got: object) -> ConfigError:
        return ConfigError(f"{source}: key 'analytics.{key}': expected {expected}, got {got!r}")

    for key in ("period_months", "stage_window_months", "lost_after_months"):
        if getattr(analytics, key) < 1:
            raise fail(key, "at least 1", getattr(analytics, key))
    if analytics.lost_after_months > analytics.stage_window_months:
        raise fail("lost_after_months", "at most stage_window_months "
                   f"({analytics.stage_window_months})", analytics.lost_after_months)
    if not 0 < analytics.abc_a_percent < analytics.abc_b_percent <= 100:
        raise fail("abc_b_percent", "0 < abc_a_percent < abc_b_percent <= 100",
                   (analytics.abc_a_percent, analytics.abc_b_percent))
    if not 0 < analytics.xyz_x_percent <= analytics.xyz_y_percent:
        raise fail("xyz_y_percent", "0 < xyz_x_percent <= xyz_y_percent",
                   (analytics.xyz_x_percent, analytics.xyz_y_percent))
    if analytics.attribution_days < 0:
        raise fail("attribution_days", "0 or more", analytics.attribution_days)
    if not 0 <= analytics.nightly_hour <= 23:
        raise fail("nightly_hour", "0-23", analytics.nightly_hour)
    for table in ("completeness", "contact_completeness"):
        weights = dataclasses.asdict(getattr(analytics, table))
        for key, weight in weights.items():
            if weight < 0:
                raise fail(f"{table}.{key}", "a weight of 0 or more", weight)
        if not sum(weights.values()) > 0:
            raise fail(table, "at least one positive weight", weights)
