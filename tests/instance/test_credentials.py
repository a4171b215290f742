"""Database passwords reach no output and are stored only in the user's own settings file.

The commands are typed as a person types them (``curate`` in a fresh HOME) and the Python API
is used as a script uses it, with passwords of awkward characters, written raw or
percent-encoded in the URL or given as a ``password`` query parameter. The password is looked
for, raw and percent-encoded, in stdout, stderr, ``--debug`` tracebacks, reprs, error
messages and ``instance.json`` (which everyone who reads the storage reads: it names the
database without credentials, and whoever connects by storage brings their own password).
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import traceback
from urllib.parse import quote, quote_plus

import pytest
from fresh_process import user_environment

import ontolake as ol
from ontolake.errors import ConfigurationError
from ontolake.instance import setup


def hidden(password: str, *texts: str) -> None:
    """Assert that ``password`` appears in none of ``texts``, in any spelling of a URL."""
    spellings = {password, quote(password, safe=""), quote_plus(password), quote(password, " +")}
    for text in texts:
        for spelling in spellings:
            assert spelling not in text, f"{spelling!r} shown in {text!r}"


FORMS = {
    # (a) a raw "/" (and more) in the password, as SQLAlchemy reads it
    "raw": ("p/q s#?:x", lambda name, password, place: f"postgresql://{name}:{password}@{place}"),
    # (b) a libpq query parameter, next to an option that must be kept
    "query": (
        "sup3r/s@cret",
        lambda name, password, place: (
            f"postgresql://{name}@{place}?sslmode=disable&password={quote(password, safe='')}"
        ),
    ),
    # (e) the postgres:// spelling, with a percent-encoded password
    "postgres": (
        "sup3r/s@cret:pw",
        lambda name, password, place: f"postgres://{name}:{quote(password, safe='')}@{place}",
    ),
}


@pytest.mark.postgres
@pytest.mark.parametrize("form", FORMS)
def test_a_password_in_any_form_connects_and_is_never_shown(curate_cli, password_owner, form):
    password, write = FORMS[form]
    owner = password_owner(password)
    url = write(owner.name, password, owner.place)
    masked = {
        "raw": f"postgresql://{owner.name}:***@{owner.place}",
        "query": f"postgresql://{owner.name}@{owner.place}?password=***&sslmode=disable",
        "postgres": f"postgresql://{owner.name}:***@{owner.place}",
    }[form]
    public = f"postgresql://{owner.name}@{owner.place}" + (
        "?sslmode=disable" if form == "query" else ""
    )

    made = curate_cli("init", "--storage", "./lake", "--db", url)
    assert made.returncode == 0, made.stderr
    root = (curate_cli.cwd / "lake").resolve()
    assert made.stdout == f"instance ready: storage {root}, database {masked}\n"
    marker_text = (root / ".ontolake" / "instance.json").read_text()
    assert json.loads(marker_text) == {"format": 1, "db": public}

    info = curate_cli("info")  # the saved default, with its password from the settings file
    assert info.returncode == 0, info.stderr
    assert f"database:  database {masked}\n" in info.stdout
    settings_file = curate_cli.home / ".config" / "ontolake" / "settings.json"
    assert info.stderr == (
        f"ontolake: using instance {root} ({masked}) from the saved default ({settings_file})\n"
    )
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600  # the one place it is kept

    named = curate_cli("info", ONTOLAKE_INSTANCE=url)
    assert named.returncode == 0, named.stderr
    assert named.stderr == f"ontolake: using instance {root} ({masked}) from $ONTOLAKE_INSTANCE\n"
    shown = [made.stdout, made.stderr, marker_text, info.stdout, info.stderr, named.stdout]
    shown.append(named.stderr)

    if owner.enforced:  # a wrong password is refused, and shown no more than the right one
        wrong = write(owner.name, "wr0ng/pass word", owner.place)
        refused = curate_cli("--debug", "info", ONTOLAKE_INSTANCE=wrong)
        assert refused.returncode == 2
        assert "refused the credentials" in refused.stderr.splitlines()[-1]
        assert "Traceback" in refused.stderr
        hidden("wr0ng/pass word", refused.stdout, refused.stderr)
        shown += [refused.stdout, refused.stderr]

    instance = ol.connect(url)  # the same from Python
    assert instance.db_description == f"database {masked}"
    assert repr(instance) == f"Instance(storage={str(root)!r}, db={masked!r})"
    shown += [
        repr(instance),
        repr(ol.settings),
        repr(ol.settings.last_instance()),
        repr(instance.engine),
        str(instance.engine.url),
    ]
    hidden(password, *shown)


@pytest.mark.postgres
def test_by_storage_another_user_brings_their_own_password(curate_cli, password_owner, tmp_path):
    password = "p/q s#?:x\\y"
    owner = password_owner(password)
    url = f"postgresql://{owner.name}:{quote(password, safe='')}@{owner.place}"
    assert curate_cli("init", "--storage", "./lake", "--db", url).returncode == 0
    root = (curate_cli.cwd / "lake").resolve()
    public = f"postgresql://{owner.name}@{owner.place}"

    home = tmp_path / "colleague"
    home.mkdir()
    environment = {k: v for k, v in user_environment(home).items() if not k.startswith("PG")}
    colleague = dataclasses.replace(curate_cli, home=home, env=environment)
    if owner.enforced:  # no password of their own: refused, with what to do
        refused = colleague("info", ONTOLAKE_INSTANCE=str(root))
        assert refused.returncode == 2
        line = refused.stderr.splitlines()[-1]
        assert line.startswith(f"error: database {public} refused the credentials")
        assert line.endswith("give the password in PGPASSWORD or ~/.pgpass.")
    by_variable = colleague("info", ONTOLAKE_INSTANCE=str(root), PGPASSWORD=password)
    assert by_variable.returncode == 0, by_variable.stderr
    assert f"database:  database {public}\n" in by_variable.stdout
    host, port_database = owner.place.split(":", 1)
    port, database = port_database.split("/", 1)
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    pgpass = home / ".pgpass"
    pgpass.write_text(f"{host}:{port}:{database}:{owner.name}:{escaped}\n")
    pgpass.chmod(0o600)
    by_pgpass = colleague("info", ONTOLAKE_INSTANCE=str(root))
    assert by_pgpass.returncode == 0, by_pgpass.stderr
    hidden(password, *(r.stdout + r.stderr for r in (by_variable, by_pgpass)))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://owner:s3cr3t-pw@127.0.0.1:abc/lake", "its port is not a number"),
        (
            "postgresql+bogus://owner:s3cr3t-pw@127.0.0.1/lake",
            "the scheme 'postgresql+bogus://' is not supported",
        ),
        ("postgresql://owner:s3cr3t-pw@[::1/lake", "its port is not a number"),
        ("postgresql://u2:s3cr3t/pw@127.0.0.1:99999/lake2", "its port is not between 1 and 65535"),
    ],
)
def test_a_database_url_that_cannot_be_used_is_a_one_line_usage_error(curate_cli, url, reason):
    masked = url.replace(url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1], "***")
    expected = f"error: {masked!r} is not a database URL ontolake can use: {reason}"
    for debug in ((), ("--debug",)):
        refused = curate_cli(*debug, "init", "--storage", "./lake", "--db", url)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.splitlines()[-1].startswith(expected)
        assert "'postgresql://user@host:port/database'" in refused.stderr
        assert ("Traceback" in refused.stderr) == bool(debug)
        hidden("s3cr3t", refused.stdout, refused.stderr)
    assert not (curate_cli.cwd / "lake").exists()
    named = curate_cli("info", ONTOLAKE_INSTANCE=url)
    assert named.returncode == 2 and len(named.stderr.splitlines()) == 1
    assert named.stderr.startswith(f"error: $ONTOLAKE_INSTANCE: {expected[len('error: ') :]}")
    hidden("s3cr3t", named.stdout, named.stderr)


URL = "postgresql://owner:s3cr3t/pw@127.0.0.1:5432/lake?sslpassword=k3y-pw"
SHOWN_URL = "'postgresql://owner:***@127.0.0.1:5432/lake?sslpassword=***'"


@pytest.mark.parametrize(
    ("arguments", "patched", "shown"),
    [
        (
            ["init", "--storage", "./x", "--db", URL],
            "ontolake.instance.setup:init",
            f"init --storage ./x --db {SHOWN_URL}",
        ),
        (
            ["roles", "--db", URL, "--writer-password", "wr1ter-pw", "--reader-password=r3ader-pw"],
            "ontolake.instance.roles:create_roles",
            f"roles --db {SHOWN_URL} --writer-password '***' '--reader-password=***'",
        ),
    ],
)
def test_the_command_an_internal_error_asks_to_rerun_shows_no_password(
    curate_cli, tmp_path, arguments, patched, shown
):
    module, function = patched.split(":")
    bug = tmp_path / "bug"
    bug.mkdir()
    (bug / "sitecustomize.py").write_text(
        f"import {module} as module\n\n\ndef broken(*args, **kwargs):\n"
        "    raise RuntimeError('a bug')\n\n\n"
        f"module.{function} = broken\n"
    )
    python_path = os.pathsep.join([str(bug), os.environ.get("PYTHONPATH", "")])
    failed = curate_cli(*arguments, PYTHONPATH=python_path)
    assert failed.returncode == 3, failed.stderr
    assert failed.stderr == (
        "error: internal error (RuntimeError: a bug); this is a bug in ontolake: run "
        f"`curate --debug {shown}` (with your password where it shows ***) to see the "
        "traceback, and report it with that output\n"
    )
    debug = curate_cli("--debug", *arguments, PYTHONPATH=python_path)
    assert debug.returncode == 3 and "Traceback" in debug.stderr
    for secret in ("s3cr3t/pw", "k3y-pw", "wr1ter-pw", "r3ader-pw"):
        hidden(secret, failed.stdout, failed.stderr, debug.stdout, debug.stderr)


def test_settings_name_a_postgres_instance_without_its_password(monkeypatch):
    url = "postgres://owner:sup3r%2Fs%40cret%3Apw@127.0.0.1:55432/lake"
    monkeypatch.setenv("ONTOLAKE_INSTANCE", url)
    location = ol.settings.last_instance()
    masked = "postgres://owner:***@127.0.0.1:55432/lake"
    assert repr(location) == f"InstanceLocation(storage='', db={masked!r})"
    assert f"last_instance=InstanceLocation(storage='', db={masked!r})" in repr(ol.settings)
    monkeypatch.setenv("ONTOLAKE_INSTANCE", "ftp://me:sup3r-pw@files.example.org/lake")
    assert repr(ol.settings.last_instance()) == (
        "InstanceLocation(storage='ftp://me:***@files.example.org/lake')"
    )
    monkeypatch.setenv("ONTOLAKE_INSTANCE", "postgres://owner:sup3r%2Fpw@127.0.0.1:99999/lake")
    with pytest.raises(ConfigurationError) as raised:
        setup.current_instance()
    assert str(raised.value).startswith(
        "$ONTOLAKE_INSTANCE: 'postgres://owner:***@127.0.0.1:99999/lake' is not a database URL"
    )
    hidden("sup3r/pw", "".join(traceback.format_exception(raised.value)))


def test_the_postgres_spelling_is_accepted_like_postgresql(curate_cli):
    """``postgres://`` is PostgreSQL everywhere (nothing listens on port 1)."""
    url = "postgres://owner:s3cr3t-pw@127.0.0.1:1/lake"
    expected = "error: Cannot reach database postgresql://owner:***@127.0.0.1:1/lake: "
    made = curate_cli("init", "--storage", "./lake", "--db", url)
    named = curate_cli("info", ONTOLAKE_INSTANCE=url)
    assert made.returncode == named.returncode == 2
    assert made.stderr.startswith(expected)
    assert named.stderr.startswith(expected)
    hidden("s3cr3t-pw", made.stdout + made.stderr + named.stdout + named.stderr)
    assert not (curate_cli.cwd / "lake" / ".ontolake").exists()
