"""Database URLs: checked before anything connects, kept in one spelling that keeps the password.

The one spelling percent-encodes the whole password, so SQLAlchemy (which ontolake connects
with) and libpq (psql, and every other client a user may paste the URL into) both read back
exactly the password the user gave, whatever its characters.
"""

from __future__ import annotations

import traceback
from urllib.parse import quote

import psycopg
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from ontolake._urls import mask_url
from ontolake.errors import ConfigurationError
from ontolake.instance.db_url import is_database_url, normalize_db_url, parse_db_url

PASSWORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1
)
USERS = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True)
PORTS = st.one_of(st.none(), st.integers(1, 65535))


@given(
    st.sampled_from(["postgresql", "postgres", "postgresql+psycopg"]),
    USERS,
    PASSWORDS,
    st.sampled_from(["127.0.0.1", "db-host", "::1"]),
    PORTS,
    st.booleans(),
)
@example("postgresql", "u2", "p/q", "127.0.0.1", 55432, False)
@example("postgresql", "lake_writer", "w#x?y z", "db-host", None, False)
def test_the_one_spelling_keeps_the_password_for_sqlalchemy_and_libpq(
    scheme, user, password, host, port, encoded
):
    written = quote(password, safe="") if encoded else password
    place = (f"[{host}]" if ":" in host else host) + ("" if port is None else f":{port}")
    url = f"{scheme}://{user}:{written}@{place}/lake"
    if not encoded:
        assume("@" not in password and make_url(url).password == password)
    normal = normalize_db_url(url)
    driver = "postgresql+psycopg" if scheme == "postgresql+psycopg" else "postgresql"
    assert normal == f"{driver}://{user}:{quote(password, safe='')}@{place}/lake"
    read = make_url(normal)
    assert (read.username, read.password, read.host, read.port) == (user, password, host, port)
    libpq = psycopg.conninfo.conninfo_to_dict(normal.replace("+psycopg", ""))
    assert (libpq["user"], libpq["password"], libpq["dbname"]) == (user, password, "lake")
    assert mask_url(normal) == f"{driver}://{user}:***@{place}/lake"
    assert normalize_db_url(normal) == normal


def test_postgres_is_another_spelling_of_postgresql():
    assert normalize_db_url("postgres://me@db-host/lake") == "postgresql://me@db-host/lake"
    assert parse_db_url("postgres://me@db-host/lake").drivername == "postgresql"
    assert is_database_url("postgres://me@db-host/lake")
    assert is_database_url("postgresql+bogus://me@db-host/lake")  # refused when parsed
    assert not is_database_url("s3://bucket/lake") and not is_database_url("./lake")


def test_query_parameters_and_sqlite_urls_are_kept():
    url = "postgresql://me@db-host/lake?sslmode=require&application_name=lab"
    assert normalize_db_url(url) == (
        "postgresql://me@db-host/lake?application_name=lab&sslmode=require"
    )
    sqlite = "sqlite:////home/me/my lake/ü.db"
    assert normalize_db_url(sqlite) == sqlite


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://owner:s3cr3t-pw@127.0.0.1:abc/lake", "its port is not a number"),
        ("postgresql://owner:s3cr3t-pw@[::1/lake", "its port is not a number"),
        ("postgresql://owner:s3cr3t-pw@127.0.0.1:70000/lake", "not between 1 and 65535"),
        ("postgresql+bogus://owner:s3cr3t-pw@db/lake", "'postgresql+bogus://' is not supported"),
        ("mysql://owner:s3cr3t-pw@db/lake", "the scheme 'mysql://' is not supported"),
        ("postgresql://owner:s3cr3t@pw@db-host/lake", "its host is not a host name"),
        ("owner:s3cr3t-pw@db-host/lake", "it does not start with a scheme"),
        ("sqlite://relative.db", "a SQLite URL names a file after three slashes"),
    ],
)
def test_a_url_that_cannot_be_used_is_a_configuration_error_naming_the_form(url, reason):
    with pytest.raises(ConfigurationError) as raised:
        parse_db_url(url)
    message = str(raised.value)
    assert message.startswith(f"{mask_url(url)!r} is not a database URL ontolake can use: ")
    assert reason in message and "'postgresql://user@host:port/database'" in message
    assert "s3cr3t" not in message and "\n" not in message
    assert raised.value.exit_code == 2
    assert "s3cr3t" not in "".join(traceback.format_exception(raised.value))  # nor in its cause
