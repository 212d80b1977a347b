"""Settings with ``[[mailboxes]]`` for tests: written as a real TOML file and loaded by the loader."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from letterpress.config import Settings, load_settings
from letterpress.testing.mail_account import toml_value


def write_config(path: Path, *, database_url: str, data_dir: Path,
                 mailboxes: Sequence[Mapping[str, Any]] = (),
                 sections: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    lines = [f"data_dir = {toml_value(str(data_dir))}",
             f"database_url = {toml_value(database_url)}", ""]
    for name, values in (sections or {}).items():
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in values.items())
        lines.append("")
    for box in mailboxes:
        lines.append("[[mailboxes]]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in box.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def mail_settings(tmp_path: Path, database_url: str, mailboxes: Sequence[Mapping[str, Any]],
                  **sections: Mapping[str, Any]) -> Settings:
    path = write_config(tmp_path / "letterpress.toml", database_url=database_url,
                        data_dir=tmp_path / "data", mailboxes=mailboxes, sections=sections)
    return load_settings(path, environ={})
