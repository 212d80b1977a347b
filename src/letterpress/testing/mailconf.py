"""Settings with ``[[mailboxes]]`` for tests: written as a real TOML file and loaded by the loader."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from letterpress.config import Settings, load_settings


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_config(path: Path, *, database_url: str, data_dir: Path,
                 mailboxes: Sequence[Mapping[str, Any]] = (),
                 sections: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    lines = [f"data_dir = {_toml_value(str(data_dir))}",
             f"database_url = {_toml_value(database_url)}", ""]
    for name, values in (sections or {}).items():
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in values.items())
        lines.append("")
    for box in mailboxes:
        lines.append("[[mailboxes]]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in box.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def mail_settings(tmp_path: Path, database_url: str, mailboxes: Sequence[Mapping[str, Any]],
                  **sections: Mapping[str, Any]) -> Settings:
    path = write_config(tmp_path / "letterpress.toml", database_url=database_url,
                        data_dir=tmp_path / "data", mailboxes=mailboxes, sections=sections)
    return load_settings(path, environ={})
