"""Credentials in URLs: masked before they reach any output, removed before anything is stored.

A URL carries a secret in its user information (``scheme://user:password@host``, or a token
as the whole ``scheme://token@host``) or in a query parameter whose name says so
(``?password=…``, ``sslpassword``, ``access_token``, ``X-Amz-Signature``, …). A password may
hold any character: SQLAlchemy reads everything up to the ``@`` that ends the user
information (``postgresql://u:p/q s@host/db`` has the password ``p/q s``) while RFC 3986
readers take the last ``@`` before the path, so the masked span is the longest either reading
gives. Query values end at ``&`` (and, inside free text, at whitespace).

* :func:`mask_url` masks one URL (a value known to be a URL, e.g. a command-line argument);
* :func:`mask_text` masks every URL inside free text (a message, a traceback);
* :func:`without_credentials` removes them, for what is stored where others can read it;
* :func:`hide_credentials` masks the secrets of one URL wherever they appear in a text (a
  client library's message may quote them without the URL around them).

Example:
    >>> mask_url("postgresql://me:p/q s@db:5432/lake?sslpassword=x y")
    'postgresql://me:***@db:5432/lake?sslpassword=***'
    >>> mask_text("Cannot reach postgresql://me:p/q@db/lake: refused")
    'Cannot reach postgresql://me:***@db/lake: refused'
    >>> without_credentials("https://ghp_token@github.com/lab/repo.git")
    'https://github.com/lab/repo.git'
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

__all__ = [
    "MASK",
    "hide_credentials",
    "is_secret_name",
    "mask_text",
    "mask_url",
    "secret_parameters",
    "without_credentials",
]

MASK = "***"
"""What a masked secret prints as."""

_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*://"
_SECRET_NAME = re.compile(
    r"pass|pwd|secret|token|signature|credential|api_?key|access_?key|jwt|session"
    r"|^(?:sig|auth|authorization)$",
    re.IGNORECASE,
)

# One URL (its scheme may be missing or misspelt): the password runs to its last "@".
_URL_PASSWORD = re.compile(
    r"^(?P<head>(?:[A-Za-z][A-Za-z0-9+.\-]*:/+|(?![A-Za-z][A-Za-z0-9+.\-]*:/))[^:/]*:).*@",
    re.DOTALL,
)
# Inside text: a scheme and a user name without "@", quotes or spaces (ontolake
# percent-encodes them); the password runs from there to the first "@" on the line
# (SQLAlchemy's reading), then on over each further "@" not separated from it by a path,
# query or whitespace (RFC 3986's).
_TEXT_HEAD = re.compile(rf"(?<![A-Za-z0-9+.\-]){_SCHEME}[^:/@\s'\"]*:")
_FURTHER_AT = re.compile(r"(?:@[^@/?#\s]*(?=@))*@")
# A query (or libpq keyword) parameter: its name, then its value up to "&" (inside text also
# up to whitespace, and a closing quote or punctuation is prose: an encoded value holds none).
_PARAMETER = re.compile(r"(?<![^\s?&;])(?P<name>[^\s=&?;#]+)=")
_TEXT_VALUE = re.compile(r"'(?:[^'\\]|\\.)*'|[^&\s]*")
_PROSE = ":,;)'\""
# Stored: up to the last "@" of a URL with a password, else up to the last "@" before the path.
_USERINFO = re.compile(
    rf"^(?P<scheme>{_SCHEME})(?:(?P<user>[^:/]*):.*@|(?P<token>[^/?#]*)@)", re.DOTALL
)


def is_secret_name(name: str) -> bool:
    """Whether a parameter or option called ``name`` (maybe percent-encoded) holds a secret.

    Example:
        >>> is_secret_name("sslpassword"), is_secret_name("--writer-password")
        (True, True)
        >>> is_secret_name("sig"), is_secret_name("X-Amz-Security-Token")  # Azure SAS, AWS
        (True, True)
        >>> is_secret_name("sslmode")
        False
    """
    return _SECRET_NAME.search(unquote_plus(name)) is not None


def secret_parameters(url: str) -> list[str]:
    """The names of the query parameters of ``url`` that hold a secret, in order.

    Example:
        >>> secret_parameters("https://host/x.csv?X-Amz-Signature=abc&version=2&sig=def")
        ['X-Amz-Signature', 'sig']
    """
    query = url.partition("#")[0].partition("?")[2]
    names = (parameter.partition("=")[0] for parameter in query.split("&"))
    return [name for name in names if name and is_secret_name(name)]


def _mask_parameters(text: str, *, inside_text: bool) -> str:
    """``text`` with the values of its secret parameters masked (one pass: linear time)."""
    pieces: list[str] = []
    done = 0
    for parameter in _PARAMETER.finditer(text):
        start = parameter.end()
        if start <= done or not is_secret_name(parameter["name"]):
            continue
        if inside_text:
            value = _TEXT_VALUE.match(text, start)
            assert value is not None  # it matches the empty string
            end = value.end()
            if end > start and text[end - 1] in _PROSE and text[start] != "'":
                end -= 1
        elif (end := text.find("&", start)) == -1:
            end = len(text)
        pieces += [text[done:start], MASK]
        done = end
    return "".join(pieces) + text[done:]


def mask_url(url: str) -> str:
    """``url`` with its password and secret query values replaced by ``***``.

    The user name, host, port and database stay readable. ``url`` is one URL (or any value
    that may be one); use :func:`mask_text` for URLs inside text.

    Example:
        >>> mask_url("postgresql://me:secret@db:5432/lake")
        'postgresql://me:***@db:5432/lake'
        >>> mask_url("postgresql://me@db/lake?password=s%40cret&sslmode=require")
        'postgresql://me@db/lake?password=***&sslmode=require'
    """
    masked = _URL_PASSWORD.sub(rf"\g<head>{MASK}@", url, count=1)
    return _mask_parameters(masked, inside_text=False)


def mask_text(text: str) -> str:
    """``text`` with the password and secret query values of every URL in it masked.

    Example:
        >>> mask_text("tried postgresql://me:secret@db/lake and sqlite:///x.db")
        'tried postgresql://me:***@db/lake and sqlite:///x.db'
    """
    pieces: list[str] = []
    done = 0
    at = newline = -1  # the next "@" and line end at or after the current head
    for head in _TEXT_HEAD.finditer(text):
        start = head.end()
        if start <= done:
            continue
        if at < start and (at := text.find("@", start)) == -1:
            break
        if newline < start and (newline := text.find("\n", start)) == -1:
            newline = len(text)
        if newline < at:
            continue
        further = _FURTHER_AT.match(text, at)
        assert further is not None  # text[at] is "@"
        pieces += [text[done:start], MASK, "@"]
        done = further.end()
    return _mask_parameters("".join(pieces) + text[done:], inside_text=True)


def without_credentials(url: str, *, keep_user: bool = False) -> str:
    """``url`` without its password and secret query parameters (and user, unless kept).

    For URLs that are stored where others can read them: a run's git remote, the database
    an instance's storage names.

    Example:
        >>> without_credentials("postgresql://me:secret@db/lake?password=x&sslmode=require")
        'postgresql://db/lake?sslmode=require'
        >>> without_credentials("postgresql://me:secret@db/lake", keep_user=True)
        'postgresql://me@db/lake'
    """

    def userinfo(match: re.Match[str]) -> str:
        user = match["user"] if match["user"] is not None else match["token"]
        return f"{match['scheme']}{user}@" if keep_user and user else match["scheme"]

    base, question, query = _USERINFO.sub(userinfo, url, count=1).partition("?")
    kept = [
        parameter
        for parameter in query.split("&")
        if not is_secret_name(parameter.partition("=")[0])
    ]
    return base + question + "&".join(kept) if any(kept) else base


_SHORTEST_HIDDEN = 3
"""Shorter secrets are not replaced inside other words (the URL itself is masked anyway)."""


def hide_credentials(text: str, url: str) -> str:
    """``text`` with the URLs in it masked and every spelling of ``url``'s secrets replaced.

    Example:
        >>> url = "s3://KEY:s3cr%2Ft@bucket/x.csv"
        >>> hide_credentials('Invalid bucket name "KEY:s3cr%2Ft@bucket" (s3cr/t)', url)
        'Invalid bucket name "KEY:***@bucket" (***)'
    """
    secrets = []
    match = _USERINFO.match(url)
    if match is not None:
        userinfo = url[len(match["scheme"]) : match.end() - 1]
        secrets.append(userinfo.partition(":")[2] if match["user"] is not None else userinfo)
    for parameter in url.partition("?")[2].split("&"):
        name, _, value = parameter.partition("=")
        if is_secret_name(name):
            secrets.append(value)
    spellings = {spelling for secret in secrets for spelling in (secret, unquote_plus(secret))}
    for spelling in sorted(spellings, key=len, reverse=True):
        if len(spelling) >= _SHORTEST_HIDDEN:
            text = text.replace(spelling, MASK)
    return mask_text(text)
