"""Database URLs: which ones an instance may use, and the one spelling each is kept in.

Two kinds are accepted: ``sqlite:///path/to/file.db`` and
``postgresql://user:password@host:port/database`` (driver psycopg; ``postgres://``, as libpq
and many hosting services write it, and ``postgresql+psycopg://`` mean the same). A password
may hold any character: percent-encode ``@`` (``%40``); others are read as SQLAlchemy reads
them. It may also be the query parameter ``?password=...``, or be left out of the URL: libpq
then takes it from ``PGPASSWORD`` or ``~/.pgpass``. A URL that is not one of these is a
``ConfigurationError`` naming the URL (password masked) and the form expected, before
anything connects.

Every PostgreSQL URL is kept in one spelling (:func:`normalize_db_url`): scheme
``postgresql``, user name and password fully percent-encoded, query parameters sorted.

Example:
    >>> normalize_db_url("postgres://me:p/q s@db-host:5432/lake")
    'postgresql://me:p%2Fq%20s@db-host:5432/lake'
    >>> normalize_db_url("postgresql://me:secret@db-host:port/lake")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ontolake.errors.ConfigurationError: 'postgresql://me:***@db-host:port/lake' is not a ...
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from ontolake._urls import mask_url
from ontolake.errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["is_database_url", "normalize_db_url", "parse_db_url", "render_db_url"]

_DRIVERS = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg": "postgresql+psycopg",
}
"""Schemes accepted, and the one each is spelled as."""
_EXPECTED = (
    "use 'postgresql://user@host:port/database' (a password as 'user:password@', any '@' in "
    "it as %40) or 'sqlite:///path/to/file.db'"
)
_BAD_HOST = re.compile(r"[@\[\]\s]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def is_database_url(text: str) -> bool:
    """Whether ``text`` names a database (rather than a storage root).

    Example:
        >>> is_database_url("postgres://me@db-host/lake"), is_database_url("s3://bucket/lake")
        (True, False)
    """
    scheme, separator, _rest = text.partition("://")
    return bool(separator) and scheme.lower().startswith(("postgres", "sqlite"))


def parse_db_url(text: str) -> URL:
    """The SQLAlchemy URL of ``text``, checked before anything connects.

    Raises:
        ConfigurationError: ``text`` is not a SQLite or PostgreSQL URL ontolake can use.

    Example:
        >>> url = parse_db_url("postgres://me@db-host/lake")
        >>> url.drivername, url.host, url.database
        ('postgresql', 'db-host', 'lake')
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    scheme, separator, _rest = text.partition("://")
    driver = _DRIVERS.get(scheme.lower())
    if not separator or not _SCHEME.fullmatch(scheme):
        raise _unusable(text, "it does not start with a scheme such as 'postgresql://'")
    if driver is None:
        raise _unusable(text, f"the scheme {scheme + '://'!r} is not supported")
    if driver == "sqlite" and not text.startswith("sqlite:///"):
        raise _unusable(text, "a SQLite URL names a file after three slashes")
    try:
        url = make_url(text)
    except ArgumentError:
        raise _unusable(text, "it cannot be read") from None
    except ValueError:
        raise _unusable(
            text, "its port is not a number (an IPv6 host goes in brackets: [::1]:5432)"
        ) from None
    if url.host is not None and _BAD_HOST.search(url.host):
        raise _unusable(text, "its host is not a host name or address")
    if url.port is not None and not 0 < url.port < 65536:
        raise _unusable(text, "its port is not between 1 and 65535")
    return url.set(drivername=driver)


def render_db_url(url: URL) -> str:
    """``url`` as text, with its user name and password fully percent-encoded.

    Example:
        >>> from sqlalchemy.engine import URL
        >>> render_db_url(URL.create("postgresql", "me", "w#x?y z", "db-host", None, "lake"))
        'postgresql://me:w%23x%3Fy%20z@db-host/lake'
    """
    from sqlalchemy.engine import URL

    userinfo = ""
    if url.username is not None or url.password is not None:
        password = "" if url.password is None else ":" + quote(str(url.password), safe="")
        userinfo = quote(url.username or "", safe="") + password + "@"
    place = URL.create(
        url.drivername, host=url.host, port=url.port, database=url.database, query=url.query
    )
    return f"{url.drivername}://{userinfo}{place.render_as_string().partition('://')[2]}"


def normalize_db_url(text: str) -> str:
    """``text`` checked (see :func:`parse_db_url`) and in its one spelling.

    SQLite URLs are kept as given (they name a file and hold no secret).

    Example:
        >>> normalize_db_url("postgresql://me@db-host/lake?sslmode=require")
        'postgresql://me@db-host/lake?sslmode=require'
    """
    url = parse_db_url(text)
    return text if url.drivername == "sqlite" else render_db_url(url)


def _unusable(text: str, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"{mask_url(text)!r} is not a database URL ontolake can use: {reason}; {_EXPECTED}."
    )
