"""The dovecot.conf of a throw-away test server, and its self-signed TLS certificate.

Pure rendering plus one certificate generator; :mod:`letterpress.testing.dovecot` runs the server.
The settings follow what was measured on Debian 12's Dovecot 2.3 (shared/notes/mail-stack.md):
everything under one directory, one inet listener per service on a free loopback port, mail owned
by a non-root user, the acl plugin with a public namespace (``Public/``, rights in per-mailbox
``dovecot-acl`` files) and a shared namespace (``shared/<owner>/``, rights granted with SETACL).
"""

from __future__ import annotations

import datetime as dt
import importlib
import ipaddress
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PUBLIC_PREFIX = "Public/"
SHARED_PREFIX = "shared/"


@dataclass(frozen=True)
class ConfParams:
    """Everything the config depends on."""

    root: Path
    imap_port: int
    lmtp_port: int
    imaps_port: int | None
    mail_uid: int
    mail_gid: int
    #: Set when Dovecot runs without root: (user, group) for every internal and login process.
    rootless: tuple[str, str] | None = None
    cert: Path | None = None
    key: Path | None = None


def render(p: ConfParams) -> str:
    """The complete dovecot.conf; nothing is included from /etc/dovecot."""
    r = p.root
    ssl = (
        f"ssl = yes\nssl_cert = <{p.cert}\nssl_key = <{p.key}\n"
        if p.imaps_port is not None
        else "ssl = no\n"
    )
    rootless = ""
    if p.rootless is not None:
        user, group = p.rootless
        # Without root Dovecot cannot chroot or switch users: every process runs as the caller.
        rootless = (
            f"default_internal_user = {user}\ndefault_internal_group = {group}\n"
            f"default_login_user = {user}\n"
            "service imap-login {\n  chroot =\n}\n"
        )
    return f"""\
# Written by letterpress.testing.dovecot for one test run; safe to delete with its directory.
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
log_timestamp = "%Y-%m-%d %H:%M:%S "
protocols = imap lmtp
listen = 127.0.0.1
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password is refused after ~0.5 s instead of the default 2 s.
auth_failure_delay = 0
first_valid_uid = {p.mail_uid}
last_valid_uid = {p.mail_uid}
first_valid_gid = {p.mail_gid}
last_valid_gid = {p.mail_gid}
mail_location = maildir:~/Maildir
# Test data need not survive a power cut; it must survive a killed server, which page cache does.
mail_fsync = never
# The ingestion daemon opens one connection per followed folder.
mail_max_userip_connections = 200
mail_plugins = acl
# No statistics: nothing reads them, and processes running as the mail user could not write to
# the stats socket anyway (a "Permission denied" in the log per session).
stats_writer_socket_path =
postmaster_address = postmaster@localhost
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes
lda_mailbox_autocreate = yes
lda_mailbox_autosubscribe = yes
{rootless}
# One passwd-file per user: Dovecot re-reads a changed file at most once a second, a new file
# at once, so a user added a moment ago can log in.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {r}/users/%u
}}

namespace inbox {{
  type = private
  separator = /
  prefix =
  inbox = yes
}}
namespace public {{
  type = public
  separator = /
  prefix = {PUBLIC_PREFIX}
  location = maildir:{r}/public:INDEXPVT=~/public-idx
  subscriptions = no
  list = children
}}
namespace shared {{
  type = shared
  separator = /
  prefix = {SHARED_PREFIX}%%u/
  location = maildir:%%h/Maildir:INDEXPVT=~/shared-idx/%%u
  subscriptions = no
  list = children
}}
plugin {{
  acl = vfile
  acl_shared_dict = file:{r}/acl/shared-mailboxes.db
}}

service imap-login {{
  inet_listener imap {{
    port = {p.imap_port}
  }}
  inet_listener imaps {{
    port = {p.imaps_port or 0}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {p.lmtp_port}
  }}
}}
service anvil {{
  {"chroot =" if p.rootless else ""}
  # No growing delay for clients after failed logins (tests of wrong passwords come first).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_acl
}}
protocol lmtp {{
  mail_plugins = $mail_plugins
}}
"""


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost`` and ``127.0.0.1`` valid for two days; (cert, key) paths.

    Uses the ``cryptography`` package when it is installed, else the ``openssl`` command.
    """
    directory.mkdir(mode=0o700, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        _cert_with_cryptography(cert, key)
    except ImportError:
        openssl = shutil.which("openssl")
        if openssl is None:
            raise RuntimeError(
                "tls=True needs the 'cryptography' package or the 'openssl' command"
            ) from None
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
             "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-addext", "basicConstraints=critical,CA:TRUE"],
            check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
        )  # fmt: skip
    key.chmod(0o600)
    return cert, key


def _cert_with_cryptography(cert_path: Path, key_path: Path) -> None:
    # Optional (not a dependency of Letterpress; openssl is the fallback), so imported untyped.
    x509 = importlib.import_module("cryptography.x509")
    hashes = importlib.import_module("cryptography.hazmat.primitives.hashes")
    serialization = importlib.import_module("cryptography.hazmat.primitives.serialization")
    ec = importlib.import_module("cryptography.hazmat.primitives.asymmetric.ec")
    NameOID = x509.oid.NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
