"""The ``sverka`` command: serve, db, user, demo, plus the aligner's and glossary's commands.

Heavy modules are imported inside the command that needs them, so ``sverka --help`` is fast.
Every failure a user can cause ends with one line saying what is wrong and what to do, and a
non-zero exit code, never a traceback.

Other packages add commands through ``register(subparsers)`` in ``alignment/cli.py`` and
``glossary/cli.py``: each parser sets ``set_defaults(func=handler)`` where ``handler(args)``
returns an exit code (or None for 0).
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from app.config import Settings

DEMO_PROJECT = "Demo: rehabilitation memo, 1957"
DEMO_TITLE = "Memo on the review of cases (№ 108сс)"
_PLUGINS = ("alignment.cli", "glossary.cli", "app.backup_cli", "app.export_cli")


class CommandError(Exception):
    """Ends the command with this message on stderr and exit code ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _fail(message: str) -> CommandError:
    return CommandError(message)


# --- settings and database ---------------------------------------------------------------


def load_settings() -> Settings:
    from pydantic import ValidationError

    from app.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if field:
            message = f"SVERKA_{field.upper()}: {message}"
        raise _fail(f"Settings error: {message}") from exc


def _engine(settings: Settings, *, require_current: bool) -> Engine:
    from app.migrate import StartupError, preflight

    try:
        return preflight(settings, require_current=require_current)
    except StartupError as exc:
        raise _fail(str(exc)) from exc


def _migrate_to_head(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from app import migrate

    engine = _engine(settings, require_current=False)
    engine.dispose()
    try:
        migrate.upgrade(settings.resolved_database_url)
    except SQLAlchemyError as exc:
        raise _fail(migrate.describe_database_error(exc, settings.resolved_database_url)) from exc


# --- serve -------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    from sqlalchemy.engine import make_url

    engine = _engine(settings, require_current=True)
    engine.dispose()
    backend = make_url(settings.resolved_database_url).get_backend_name()
    if args.workers > 1 and backend == "sqlite":
        raise CommandError(
            f"--workers {args.workers} needs PostgreSQL: SQLite allows one writer at a time. "
            "Use --workers 1, or set SVERKA_DATABASE_URL=postgresql+psycopg://…",
            code=2,
        )
    if args.workers > 1 and args.reload:
        raise CommandError("--reload works with one worker only.", code=2)
    _run_server(settings, args.host, args.port, workers=args.workers, reload=args.reload)
    return 0


def _run_server(
    settings: Settings, host: str, port: int, *, workers: int = 1, reload: bool = False
) -> None:
    import uvicorn

    _check_port_free(host, port)
    where = "localhost" if host in ("127.0.0.1", "::1") else host
    print(f"Sverka is running at http://{where}:{port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        reload=reload,
        log_level="warning" if settings.environment != "development" else "info",
        proxy_headers=True,
        server_header=False,
    )


def _check_port_free(host: str, port: int) -> None:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {host}:{port} ({exc.strerror}): stop the program using it "
                "or choose another port with --port."
            ) from exc


# --- db ----------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from app import migrate

    settings = load_settings()
    url = settings.resolved_database_url
    engine = _engine(settings, require_current=False)
    try:
        if args.db_command == "upgrade":
            migrate.upgrade(url, args.revision)
            print(f"Database is at revision {migrate.current_revision(engine)} (newest).")
        elif args.db_command == "downgrade":
            migrate.downgrade(url, args.revision)
            print(f"Database is at revision {migrate.current_revision(engine) or 'base'}.")
        else:
            current = migrate.current_revision(engine)
            head = migrate.head_revision()
            state = "up to date" if current == head else "run `sverka db upgrade`"
            print(f"{current or 'empty (no tables)'} (newest is {head}: {state})")
    except SQLAlchemyError as exc:
        raise _fail(migrate.describe_database_error(exc, url)) from exc
    finally:
        engine.dispose()
    return 0


# --- user --------------------------------------------------------------------------------


def _read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """The new password and whether it was generated (and must be printed)."""
    from app.services.users import generate_password

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise _fail("--password-stdin: no password on standard input.")
        return password, False
    if sys.stdin.isatty():
        first = getpass.getpass("Password (leave empty to generate one): ")
        if not first:
            return generate_password(), True
        if getpass.getpass("Password again: ") != first:
            raise _fail("The two passwords differ; nothing was changed.")
        return first, False
    return generate_password(), True


def cmd_user_add(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from app.services.errors import ServiceError
    from app.services.users import create_user, validate_password, validate_username

    settings = load_settings()
    try:
        username = validate_username(args.username)
    except ServiceError as exc:
        raise _fail(exc.message) from exc
    engine = _engine(settings, require_current=True)
    password, generated = _read_password(args)
    try:
        validate_password(password)
        with Session(engine) as session, session.begin():
            user = create_user(
                session, username, password, is_admin=args.admin, display_name=args.name
            )
            kind = "administrator" if user.is_admin else "user"
    except ServiceError as exc:
        raise _fail(exc.message) from exc
    finally:
        engine.dispose()
    print(f"Created {kind} {username}.")
    if generated:
        print(f"Password: {password}")
        print("It is shown only this once: keep it somewhere safe.")
    return 0


# --- demo --------------------------------------------------------------------------------


def _local_username() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = ""
    name = re.sub(r"[^A-Za-z0-9._@-]", "", name)[:64]
    return name if name and name != "root" and name[0].isalnum() else "translator"


def load_demo(settings: Settings, engine: Engine) -> list[str]:
    """Create the local account (if there is none) and the demo project; idempotent.

    Returns the lines to print.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import Document, User
    from app.services import projects, users

    lines: list[str] = []
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if users.count_users(session) == 0:
            password = users.generate_password()
            owner = users.create_user(
                session, _local_username(), password, is_admin=True, display_name=""
            )
            lines += [
                f"Created the local account {owner.username!r} (administrator).",
                f"One-time password: {password}",
                "It is shown only this once: keep it, or create another account with "
                "`sverka user add NAME --admin`.",
            ]
        else:
            found = session.scalars(
                select(User).where(User.is_active).order_by(User.is_admin.desc(), User.id)
            ).first()
            if found is None:
                raise CommandError(
                    "Every account is deactivated: create one with `sverka user add NAME --admin`."
                )
            owner = found
        project = projects.find_project_by_name(session, DEMO_PROJECT)
        if project is None:
            project = projects.create_project(
                session,
                owner,
                DEMO_PROJECT,
                description=(
                    "A short archival-style Russian memo and its English translation, "
                    "written for Sverka, to try aligning, reviewing and exporting."
                ),
            )
            lines.append(f"Created the project {DEMO_PROJECT!r}.")
        has_document = session.scalar(
            select(Document.id).where(Document.project_id == project.id).limit(1)
        )
        if has_document is not None:
            lines.append(f"The demo project is loaded: /projects/{project.id}")
            return lines
        lines.append(_import_demo_texts(session, settings, owner, project.id))
    return lines


def _import_demo_texts(session: Any, settings: Settings, owner: Any, project_id: int) -> str:
    demo_dir = Path(__file__).resolve().parent / "demo"
    ru_path, en_path = demo_dir / "ru.txt", demo_dir / "en.txt"
    if not (ru_path.is_file() and en_path.is_file()):
        return f"The demo texts are missing ({demo_dir}/ru.txt, en.txt): the project is empty."
    try:
        imports = importlib.import_module("app.services.imports")
    except ImportError:
        imports = None
    import_document = getattr(imports, "import_document", None)
    decode_side = getattr(imports, "decode_side", None)
    if imports is None or import_document is None or decode_side is None:
        return (
            "This version of Sverka has no import service yet, so the demo project is empty; "
            "run `sverka demo` again after updating."
        )
    limits = imports.Limits.from_settings(settings)
    ru = decode_side("ru", imports.UploadedSide(ru_path.name, ru_path.read_bytes()), limits)
    en = decode_side("en", imports.UploadedSide(en_path.name, en_path.read_bytes()), limits)
    document = import_document(
        session, user=owner, project_id=project_id, title=DEMO_TITLE, ru=ru, en=en
    )
    pairs = len(document.pairs) if hasattr(document, "pairs") else 0
    return f"Loaded the demo document ({pairs} aligned pairs): /documents/{document.id}"


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services.errors import ServiceError

    settings = load_settings()
    _migrate_to_head(settings)
    engine = _engine(settings, require_current=True)
    try:
        for line in load_demo(settings, engine):
            print(line)
    except ServiceError as exc:
        raise _fail(f"Could not load the demo: {exc.message}") from exc
    finally:
        engine.dispose()
    if args.serve:
        _run_server(settings, args.host, args.port)
    return 0


# --- the parser ----------------------------------------------------------------------------


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from exc
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535, not {port}")
    return port


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sverka",
        description="Sverka: a Russian–English parallel-text translation workbench.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the web workbench")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (8000)")
    serve.add_argument(
        "--workers", type=_positive, default=1, help="server processes (>1 needs PostgreSQL)"
    )
    serve.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations (to the newest by default)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_sub.add_parser("downgrade", help="revert migrations down to REV (or 'base')")
    down.add_argument("revision", metavar="REV")
    db_sub.add_parser("current", help="show the database's revision")
    db.set_defaults(func=cmd_db)

    user = sub.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_sub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="make it a site administrator")
    add.add_argument("--name", default="", help="display name")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(func=cmd_user_add)

    demo = sub.add_parser(
        "demo", help="migrate, create a local account if none, and load the demo project"
    )
    demo.add_argument("--serve", action="store_true", help="then start the workbench")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=_port, default=8000)
    demo.set_defaults(func=cmd_demo)

    for name in _PLUGINS:
        if importlib.util.find_spec(name.split(".")[0]) and importlib.util.find_spec(name):
            module = importlib.import_module(name)
            if name == "alignment.cli" and importlib.util.find_spec("app.export_cli"):
                # `sverka align --format tmx|xliff|html|docx|pdf|epub`: align and publish.
                from app.export_cli import align_formats

                module.register(sub, extra_formats=align_formats())
            else:
                module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] | None = getattr(
        args, "func", None
    ) or getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args) or 0
    except CommandError as exc:
        print(f"sverka: {exc.message}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Run the importable module, not this __main__ copy: plug-ins raise app.cli.CommandError.
    from app.cli import main as _main

    sys.exit(_main())
