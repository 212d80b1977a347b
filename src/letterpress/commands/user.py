"""``letterpress user add|list|passwd|app-password``: the people who use Letterpress."""

from __future__ import annotations

import argparse
import getpass
import os

from letterpress.cli import Context, add_format_option
from letterpress.crm.model import Role


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("user", help="add and list users, set passwords")
    sub = parser.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="create a user")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--team", help="team name (created if new)")
    add.add_argument("--supervisor", metavar="LOGIN", help="the user's head")
    add.add_argument("--name", default="", help="full name")
    add.add_argument("--email")
    add.add_argument("--password-env", metavar="VAR",
                     help="read the web password from this environment variable")
    add_format_option(add)
    add.set_defaults(handler=add_user)

    lst = sub.add_parser("list", help="list users")
    add_format_option(lst)
    lst.set_defaults(handler=list_users)

    pw = sub.add_parser("passwd", help="set a user's web password (asked on the terminal)")
    pw.add_argument("login")
    pw.add_argument("--password-env", metavar="VAR")
    pw.set_defaults(handler=passwd)

    app = sub.add_parser(
        "app-password", help="make (or list, or revoke) an app password for DAV clients",
        description="Make an app password for a CalDAV/CardDAV client (shown once); the web "
                    "password is never accepted by DAV. With --revoke, revoke the user's app "
                    "passwords (those with --label only); with --list, list them.",
    )
    app.add_argument("login")
    app.add_argument("--label", default=None, help="what the password is for, e.g. 'phone'")
    action = app.add_mutually_exclusive_group()
    action.add_argument("--revoke", action="store_true", help="revoke instead of making one")
    action.add_argument("--list", action="store_true", help="list the user's app passwords")
    add_format_option(app)
    app.set_defaults(handler=app_password)


def _describe(user: object) -> dict[str, object]:
    from letterpress.crm.model import User

    assert isinstance(user, User)
    return {
        "login": user.login, "name": user.name, "email": user.email, "role": user.role,
        "team": user.team.name if user.team else None,
        "supervisor": user.supervisor.login if user.supervisor else None, "active": user.active,
    }


def _password_from(var: str | None) -> str | None:
    from letterpress.errors import UserError

    if var is None:
        return None
    if var not in os.environ:
        raise UserError(f"environment variable {var} is not set")
    return os.environ[var]


def add_user(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.crm import users

    with ctx.session() as session:
        user = users.add_user(
            session, args.login, role=args.role, name=args.name, email=args.email,
            team=args.team, supervisor=args.supervisor, password=_password_from(args.password_env),
        )
        session.commit()
        ctx.emit(_describe(user), text=f"user {user.login} created ({user.role})")
    return 0


def list_users(ctx: Context, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from letterpress.crm.model import User

    with ctx.session() as session:
        rows = [_describe(u) for u in session.scalars(select(User).order_by(User.login))]
        ctx.emit(rows)
    return 0


def passwd(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.crm import users

    password = _password_from(args.password_env) or getpass.getpass(f"password for {args.login}: ")
    with ctx.session() as session:
        user = users.get_user(session, args.login)
        users.set_password(user, password)
        session.commit()
    ctx.emit({"login": args.login, "changed": True}, text="password changed")
    return 0


def app_password(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.crm import apppasswords

    with ctx.session() as session:
        if args.list:
            rows = [{"id": r.id, "label": r.label, "created": r.created_at,
                     "last_used": r.last_used_at, "revoked": r.revoked_at}
                    for r in apppasswords.list_app_passwords(session, args.login)]
            ctx.emit(rows)
            return 0
        if args.revoke:
            count = apppasswords.revoke_app_passwords(session, args.login, label=args.label)
            session.commit()
            ctx.emit({"login": args.login, "revoked": count},
                     text=f"{count} app password(s) of {args.login} revoked")
            return 0
        _row, secret = apppasswords.create_app_password(
            session, args.login, args.label or "", limit=ctx.settings.dav.max_app_passwords)
        session.commit()
    ctx.emit({"login": args.login, "password": secret},
             text=f"app password for {args.login}: {secret}\n(shown once; use it as the "
                  f"password in the CalDAV/CardDAV client)")
    return 0
