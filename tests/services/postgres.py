"""Pytest plugin: a throwaway PostgreSQL server and a fresh database per test.

Set ``ONTOLAKE_TEST_POSTGRES_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432``, no database
name) to use an existing server instead of starting one with ``initdb``/``pg_ctl``.

The server trusts every local connection; :func:`passwords_required` makes it ask some roles
for their passwords, and ``password_owner`` gives a test a role that owns its database and
must give its password.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

URL_ENV = "ONTOLAKE_TEST_POSTGRES_URL"
SERVER_USER = "postgres"
INSTALL_HINT = (
    "install the PostgreSQL server (apt-get install postgresql | brew install postgresql | "
    "conda install -c conda-forge postgresql) so that initdb and pg_ctl are on PATH or in "
    f"`pg_config --bindir`, or set {URL_ENV} to a server URL"
)


@dataclasses.dataclass(frozen=True)
class PostgresServer:
    """A reachable PostgreSQL server.

    Attributes:
        base_url: Server URL without a database, e.g. ``postgresql://postgres@127.0.0.1:5432``.
    """

    base_url: str


def _unavailable(reason: str, hint: str = INSTALL_HINT) -> NoReturn:
    """Fail when ``CI=true`` (never skip in CI), otherwise skip with an install hint."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}. To run these tests, {hint}.")


def _psycopg() -> ModuleType:
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed", "pip install 'ontolake[postgres]'")
    return psycopg


def _binaries() -> tuple[str, str]:
    """Find ``initdb`` and ``pg_ctl`` on PATH, then in ``pg_config --bindir``."""
    search = [os.environ.get("PATH", os.defpath)]
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        search.append(bindir.stdout.strip())
    path = os.pathsep.join(search)
    initdb, pg_ctl = shutil.which("initdb", path=path), shutil.which("pg_ctl", path=path)
    if initdb is None or pg_ctl is None:
        _unavailable("initdb/pg_ctl not found on PATH or in `pg_config --bindir`")
    return initdb, pg_ctl


def _server_runner(base: Path) -> Callable[[list[str]], subprocess.CompletedProcess[str]]:
    """Prepare ``base`` for the server user and return a function running commands as that user.

    PostgreSQL refuses to run as root, so as root commands run via ``runuser -u postgres``,
    ``base`` is chowned to that user and its parents get the traverse (o+x) bit if missing.
    """
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            _unavailable(f"running as root and there is no `{SERVER_USER}` OS user for the server")
        runuser = shutil.which("runuser")
        if runuser is None:
            _unavailable("running as root and `runuser` is not available")
        os.chown(base, user.pw_uid, user.pw_gid)
        for parent in base.parents:
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
        prefix = [runuser, "-u", SERVER_USER, "--"]

    def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [*prefix, *cmd], cwd=base, capture_output=True, text=True, timeout=60
            )
        except subprocess.TimeoutExpired:
            _unavailable(f"`{' '.join(cmd)}` did not finish within 60 s")

    return run


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check(result: subprocess.CompletedProcess[str], what: str, log: Path) -> None:
    """Report a failed server command with its output and the server log tail."""
    if result.returncode == 0:
        return
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else ""
    _unavailable(
        f"`{what}` exited with {result.returncode}\n{result.stdout}{result.stderr}"
        f"\n--- server log tail ---\n{tail}"
    )


@contextlib.contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """Create a database ``ol_<random>`` on ``base_url``, yield its URL and drop it on exit."""
    psycopg = _psycopg()
    sql = psycopg.sql
    name = f"ol_{uuid.uuid4().hex[:12]}"
    admin_url = f"{base_url}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{base_url}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


@contextlib.contextmanager
def passwords_required(base_url: str, names: tuple[str, ...]) -> Iterator[bool]:
    """Make the server ask ``names`` for their passwords (SCRAM) while inside the block.

    Yields whether it could: the throwaway test server's ``pg_hba.conf`` is a local file; an
    external server (``ONTOLAKE_TEST_POSTGRES_URL``) may keep trusting everyone.
    """
    psycopg = _psycopg()
    ours = "".join(
        f"host all {name} {address} scram-sha-256\n"
        for name in names
        for address in ("127.0.0.1/32", "::1/128")
    )
    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as connection:
        hba = Path(connection.execute("SHOW hba_file").fetchone()[0])
        if not os.access(hba, os.W_OK):
            assert os.environ.get(URL_ENV), f"cannot edit {hba} of the test server"
            yield False
            return
        hba.write_text(ours + hba.read_text())
        connection.execute("SELECT pg_reload_conf()")
    try:
        yield True
    finally:
        hba.write_text(hba.read_text().replace(ours, ""))
        with psycopg.connect(f"{base_url}/postgres", autocommit=True) as connection:
            connection.execute("SELECT pg_reload_conf()")


def wait_until_refused(url: str) -> None:
    """The reload is asynchronous: wait until ``url`` with a wrong password is refused."""
    psycopg = _psycopg()
    wrong = psycopg.conninfo.make_conninfo(url, password="wrong-password", connect_timeout=5)
    for _ in range(100):
        try:
            psycopg.connect(wrong).close()
        except psycopg.OperationalError:
            return
        time.sleep(0.05)
    raise AssertionError("the server still accepts any password")


@dataclasses.dataclass(frozen=True)
class PasswordOwner:
    """A role that owns the test's database and must give its password (when ``enforced``).

    Attributes:
        name: the role name.
        password: its password.
        place: ``host:port/database``, to build URLs with.
        enforced: whether the server refuses it a wrong password (see passwords_required).
    """

    name: str
    password: str
    place: str
    enforced: bool


@pytest.fixture
def password_owner(
    postgres_server: PostgresServer, postgres_url: str
) -> Iterator[Callable[[str], PasswordOwner]]:
    """A function making a role with the given password the owner of the test's database."""
    psycopg = _psycopg()
    sql = psycopg.sql
    name = f"ol_owner_{uuid.uuid4().hex[:8]}"
    place = postgres_url.split("@", 1)[1]
    database = sql.Identifier(place.rsplit("/", 1)[1])
    with contextlib.ExitStack() as stack:

        def make(password: str) -> PasswordOwner:
            with psycopg.connect(postgres_url, autocommit=True) as connection:
                role = sql.Identifier(name)
                connection.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password))
                )
                connection.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, role))
            stack.callback(_drop_owner, postgres_url, name)
            enforced = stack.enter_context(passwords_required(postgres_server.base_url, (name,)))
            owner = PasswordOwner(name=name, password=password, place=place, enforced=enforced)
            if enforced:
                wait_until_refused(f"postgresql://{name}@{place}")
            return owner

        yield make


def _drop_owner(postgres_url: str, name: str) -> None:
    from ontolake.instance import setup

    setup.disconnect()
    psycopg = _psycopg()
    sql = psycopg.sql
    database = sql.Identifier(postgres_url.rsplit("/", 1)[1])
    admin = sql.Identifier(postgres_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0])
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, admin))
        connection.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Yield a PostgreSQL server: ``ONTOLAKE_TEST_POSTGRES_URL`` or a throwaway local one."""
    psycopg = _psycopg()
    external = os.environ.get(URL_ENV)
    if external:
        base_url = external.rstrip("/")
        try:
            with psycopg.connect(f"{base_url}/postgres", connect_timeout=5):
                pass
        except psycopg.OperationalError as exc:
            _unavailable(f"cannot connect to {URL_ENV}={external}: {exc}")
        yield PostgresServer(base_url=base_url)
        return

    initdb, pg_ctl = _binaries()
    base = Path(tempfile.mkdtemp(prefix="ontolake-pg-"))
    try:
        run = _server_runner(base)
        data, log = base / "data", base / "server.log"
        init = [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]
        _check(run([*init, "-E", "UTF8", "--locale=C"]), "initdb", log)
        port = _free_port()
        options = (
            f"-k {base} -p {port} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            start = [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "30", "-o", options]
            _check(run([*start, "start"]), "pg_ctl start", log)
            yield PostgresServer(base_url=f"postgresql://postgres@127.0.0.1:{port}")
        finally:
            run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """Return the URL of a fresh, empty database that is dropped after the test."""
    with fresh_database(postgres_server.base_url) as url:
        yield url
