"""PostgreSQL roles for an instance: one that may only read, one that may read and write.

``curate roles --db URL`` runs :func:`create_roles` as the role that owns the instance's
tables (the one that created the instance). The read-only role may connect, query and load
artifacts; every write it attempts fails with ``PermissionDeniedError``. The read-write role
may also insert, update and delete rows, but not change the schema: migrations stay with the
owner. Tables added by later migrations (run by the owner) get the same grants.

Passwords are generated unless given, hashed on the client (SCRAM-SHA-256, by libpq) so
the clear text never reaches the server or its statement log, and handed back once, in a
URL where every character of the password is percent-encoded (``lake_writer:w%23x%20y@...``)
so that it reads back as the same password in ontolake, psql or any libpq client. That URL
keeps the owner's host, port, database and options, never the owner's credentials.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ontolake._urls import is_secret_name, mask_url
from ontolake.errors import ConfigurationError, InstanceNotFoundError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["RoleGrant", "create_roles"]

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_WRITES = "SELECT, INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class RoleGrant:
    """A role set up by :func:`create_roles`, and how to connect with it.

    ``password`` is None when an existing role kept its password. ``repr`` masks it.
    """

    name: str
    access: str
    """``"read-only"`` or ``"read-write"``."""
    password: str | None
    url: str
    """The database URL for this role, with its password when it was set now."""
    note: str | None = None
    """Something the administrator should know (and may want to change)."""

    def __repr__(self) -> str:
        return f"RoleGrant(name={self.name!r}, access={self.access!r}, url={mask_url(self.url)!r})"


def create_roles(
    db_url: str,
    *,
    reader: str | None = None,
    writer: str | None = None,
    reader_password: str | None = None,
    writer_password: str | None = None,
) -> list[RoleGrant]:
    """Create (or update) the read-only and read-write roles of the instance at ``db_url``.

    Args:
        db_url: URL of the instance's database, connecting as the owner of its tables.
        reader: name of the read-only role (default: ``<database>_reader``).
        writer: name of the read-write role (default: ``<database>_writer``).
        reader_password: its password; generated for a new role when None.
        writer_password: the same for the read-write role.

    Raises:
        ConfigurationError: the URL is not PostgreSQL or a role name is not a plain name.
        InstanceNotFoundError: the database holds no ontolake instance.
        PermissionDeniedError: the connected role may not create roles or grant access.

    Example:
        >>> # needs a PostgreSQL server and a role on it that may create roles
        >>> grants = create_roles("postgresql://admin@db-host/lake")  # doctest: +SKIP
        >>> [grant.name for grant in grants]  # doctest: +SKIP
        ['lake_reader', 'lake_writer']

        Any other database is refused:

        >>> create_roles("sqlite:///lake.db")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ontolake.errors.ConfigurationError: Roles exist only on PostgreSQL; ...
    """
    from sqlalchemy.exc import DBAPIError

    from ontolake.instance.db_url import parse_db_url
    from ontolake.instance.engine import create_db_engine, database_errors, translate_dbapi_error

    url = parse_db_url(db_url)
    if url.drivername == "sqlite":
        raise ConfigurationError(
            f"Roles exist only on PostgreSQL; {mask_url(db_url)!r} is not a postgresql:// URL."
        )
    database = url.database or ""
    names = {
        "read-only": (reader or f"{database}_reader"[:63].lower(), reader_password),
        "read-write": (writer or f"{database}_writer"[:63].lower(), writer_password),
    }
    for name, _password in names.values():
        if not _NAME.fullmatch(name):
            raise ConfigurationError(
                f"Role name {name!r} is not a plain PostgreSQL name: use lower-case letters, "
                "digits and underscores (at most 63), not starting with a digit."
            )
    engine = create_db_engine(db_url)  # names the extra to install when psycopg is missing
    import psycopg

    description = f"database {mask_url(db_url)}"
    try:
        with database_errors(description), engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            try:
                with raw.transaction():
                    _require_instance(raw, description)
                    grants = [
                        _grant(raw, database, name, access, password, url)
                        for access, (name, password) in names.items()
                    ]
            except psycopg.Error as error:  # the driver's own connection: not wrapped
                raise translate_dbapi_error(DBAPIError(None, None, error), description) from error
    finally:
        engine.dispose()
    return grants


def _require_instance(raw: Any, description: str) -> None:
    found = raw.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()
    if not found or not found[0]:
        raise InstanceNotFoundError(
            f"{description} holds no ontolake instance: create it first with "
            "`curate init --storage ... --db ...` as the role that will own its tables."
        )


def _grant(
    raw: Any,
    database: str,
    name: str,
    access: str,
    password: str | None,
    url: URL,
) -> RoleGrant:
    from psycopg import sql

    from ontolake.instance.db_url import render_db_url

    role = sql.Identifier(name)
    exists = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
    if not exists and password is None:
        password = secrets.token_urlsafe(24)
    if password is not None:
        verifier = raw.pgconn.encrypt_password(
            password.encode(), name.encode(), b"scram-sha-256"
        ).decode()
        verb = "ALTER" if exists else "CREATE"
        raw.execute(
            sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD {}").format(role, sql.Literal(verifier))
        )
    statements = [
        "GRANT CONNECT ON DATABASE {database} TO {role}",
        "GRANT USAGE ON SCHEMA public TO {role}",
    ]
    if access == "read-only":
        statements += [
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}",
        ]
    else:
        statements += [
            f"GRANT {_WRITES} ON ALL TABLES IN SCHEMA public TO {{role}}",
            "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            "REVOKE INSERT, UPDATE, DELETE ON public.alembic_version FROM {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {_WRITES} ON TABLES TO {{role}}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
        ]
    for statement in statements:
        raw.execute(sql.SQL(statement).format(role=role, database=sql.Identifier(database)))
    note = None
    creates = raw.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [name])
    if access == "read-only" and creates.fetchone()[0]:
        note = (
            "it may still create tables in schema public, because PUBLIC may (the default "
            "before PostgreSQL 15): run REVOKE CREATE ON SCHEMA public FROM PUBLIC to stop that"
        )
    owner_secrets = [key for key in url.query if is_secret_name(key)]
    # URL.set ignores a None password: _replace drops the connecting role's for certain
    connect_url = url.difference_update_query(owner_secrets)._replace(
        username=name, password=password
    )
    return RoleGrant(
        name=name, access=access, password=password, url=render_db_url(connect_url), note=note
    )
