"""The key that signs session cookies and CSRF tokens.

From the environment variable named by ``web.secret_key_env`` when it is set; otherwise a random
key kept in ``<data_dir>/web-secret-key`` (mode 0600), made on first start, so that sessions
survive restarts and every process serving one data directory agrees on it.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from letterpress.config import Settings
from letterpress.errors import ConfigError

KEY_FILE = "web-secret-key"
_MIN_LENGTH = 16

log = logging.getLogger(__name__)


def load_secret_key(settings: Settings, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    from_env = env.get(settings.web.secret_key_env, "")
    if from_env:
        if len(from_env) < _MIN_LENGTH:
            raise ConfigError(
                f"environment variable {settings.web.secret_key_env}: the secret key is too short "
                f"(at least {_MIN_LENGTH} characters)"
            )
        return from_env
    return _key_file(settings.data_dir / KEY_FILE)


def _key_file(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under a temporary name, then linked into place: a second process starting
        # at the same moment either wins the link or reads the complete key of the first.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(32) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s is readable by others (mode %o); setting it to 0600", path, mode)
        path.chmod(0o600)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < _MIN_LENGTH:
        raise ConfigError(f"{path}: the secret key is too short; delete the file to renew it")
    return key
