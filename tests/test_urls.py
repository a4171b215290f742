"""Masking and removing credentials in URLs, over passwords of any printable characters.

Each password is put in a URL the way SQLAlchemy or libpq reads it back (checked: a form
that would not give back the same password is not one a user can connect with): raw or
percent-encoded in the user information, or as a ``password`` query parameter. The masked
URL must be exactly the URL with ``***`` for the password (so the user, host, port and
database stay readable and nothing of the password is left), alone and inside a message.
"""

from __future__ import annotations

from urllib.parse import quote, quote_plus

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ontolake._urls import is_secret_name, mask_text, mask_url, without_credentials

PASSWORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1
)
"""Any printable text: ``/@:?#%`` and spaces included, and any other alphabet."""
USERS = st.from_regex(r"[a-z_][a-z0-9_.\-]{0,12}", fullmatch=True)
HOSTS = st.sampled_from(["127.0.0.1", "db-host", "db.example.org", "[::1]", "[2001:db8::7]"])
PORTS = st.one_of(st.just(""), st.integers(1, 65535).map(lambda port: f":{port}"))
DATABASES = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
SCHEMES = st.sampled_from(["postgresql", "postgres", "postgresql+psycopg"])
OPTIONS = st.lists(
    st.sampled_from(["sslmode=require", "application_name=lab", "connect_timeout=10"]),
    unique=True,
    max_size=2,
)
MESSAGES = st.sampled_from(
    [
        "{url}",
        "Cannot reach database {url}: connection refused. Check the server (see `curate info`).",
        "error: $ONTOLAKE_INSTANCE: {url} holds no ontolake instance",
        "  File 'x.py', line 3, in <module>\n    connect(url)\nValueError: '{url}' is bad",
        "tried {url} and then sqlite:///x.db",
    ]
)


def read_back(url: str) -> URL | None:
    """``url`` as SQLAlchemy reads it (None: it cannot)."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return None


def readable(scheme: str, user: str, host: str, port: str, database: str) -> str:
    return f"{scheme}://{user}:***@{host}{port}/{database}"


@given(SCHEMES, USERS, PASSWORDS, HOSTS, PORTS, DATABASES, MESSAGES)
@example("postgresql", "u2", "p/q", "127.0.0.1", ":55432", "lake2", "{url}")
@example("postgresql", "w", "w#x?y z", "h", "", "db", "Cannot reach {url}: refused")
@example("postgresql", "me", "a://b:c@d", "db-host", "", "lake", "{url}")
def test_a_raw_password_in_the_user_information_is_masked(
    scheme, user, password, host, port, database, message
):
    url = f"{scheme}://{user}:{password}@{host}{port}/{database}"
    parsed = read_back(url)  # only forms SQLAlchemy reads the same password back from
    assume(parsed is not None and parsed.password == password and parsed.host == host.strip("[]"))
    masked = readable(scheme, user, host, port, database)
    assert mask_url(url) == masked
    assert mask_text(message.format(url=url)) == message.format(url=masked)
    assert mask_text(mask_url(url)) == masked  # masking a masked URL keeps it as it is


@given(SCHEMES, USERS, PASSWORDS, HOSTS, PORTS, DATABASES, MESSAGES)
@example("postgres", "owner", "sup3r/s@cret:pw", "127.0.0.1", ":55432", "lake", "{url}")
def test_a_percent_encoded_password_in_the_user_information_is_masked(
    scheme, user, password, host, port, database, message
):
    url = f"{scheme}://{user}:{quote(password, safe='')}@{host}{port}/{database}"
    assert make_url(url).password == password
    masked = readable(scheme, user, host, port, database)
    assert mask_url(url) == masked
    assert mask_text(message.format(url=url)) == message.format(url=masked)
    assert without_credentials(url, keep_user=True) == f"{scheme}://{user}@{host}{port}/{database}"
    assert without_credentials(url) == f"{scheme}://{host}{port}/{database}"


@given(
    USERS,
    PASSWORDS,
    HOSTS,
    DATABASES,
    OPTIONS,
    st.sampled_from(["password", "sslpassword", "PASSWORD"]),
    st.booleans(),
    MESSAGES,
)
@example("owner", "sup3r/s@cret", "db-host", "db", [], "password", True, "{url}")
def test_a_password_query_parameter_is_masked(
    user, password, host, database, options, name, encoded, message
):
    value = quote_plus(password) if encoded else password
    secret = f"{name}={value}"
    url = f"postgresql://{user}@{host}/{database}?{'&'.join([*options, secret])}"
    parsed = read_back(url)  # raw values only where SQLAlchemy reads the same password back
    assume(parsed is not None and parsed.query.get(name) == password)
    base = f"postgresql://{user}@{host}/{database}"
    masked = f"{base}?{'&'.join([*options, f'{name}=***'])}"
    assert mask_url(url) == masked
    if encoded:  # inside text a value ends at whitespace: ontolake writes values encoded
        assert mask_text(message.format(url=url)) == message.format(url=masked)
    kept = f"?{'&'.join(options)}" if options else ""
    assert without_credentials(url, keep_user=True) == f"{base}{kept}"


@given(
    st.sampled_from(["https", "http", "ssh", "git+https"]),
    st.one_of(
        st.from_regex(r"[A-Za-z0-9_\-]{1,40}", fullmatch=True),  # a token as the user
        st.tuples(USERS, PASSWORDS).map(lambda pair: f"{pair[0]}:{quote(pair[1], safe='')}"),
    ),
    st.sampled_from(["github.com", "gitlab.example.org:8443", "[::1]"]),
)
@example("https", "ghp_SECRETTOKEN123", "github.com")
def test_a_stored_remote_keeps_no_user_password_or_token(scheme, userinfo, host):
    url = f"{scheme}://{userinfo}@{host}/lab/analysis.git"
    assert without_credentials(url) == f"{scheme}://{host}/lab/analysis.git"


@pytest.mark.parametrize(
    "text",
    [
        "git@github.com:org/repo.git",
        "https://github.com/org/repo.git",
        "s3://bucket/lake/raw/x.csv",
        "/home/me/lake",
        "sqlite:////home/me/my lake/ontolake.db",
        "postgresql://owner@db-host:5432/lake?sslmode=require",
    ],
)
def test_urls_without_credentials_are_left_as_they_are(text):
    assert mask_url(text) == mask_text(text) == without_credentials(text, keep_user=True) == text


def test_secret_names():
    assert all(
        is_secret_name(name)
        for name in ("password", "sslpassword", "--writer-password", "private_token", "apikey")
    )
    assert all(
        is_secret_name(name) for name in ("X-Amz-Signature", "X-Amz-Credential", "client_secret")
    )
    assert not any(is_secret_name(name) for name in ("sslmode", "host", "--db", "sslkey"))
    assert mask_url("postgresql://h/db?p%61ssword=x&sslmode=require") == (
        "postgresql://h/db?p%61ssword=***&sslmode=require"
    )
    assert mask_text("host=db password='a b\\' c' user=me") == "host=db password=*** user=me"
