"""Files an older version wrote with a database password in them are fixed on first read.

Before ``instance.json`` named its database without credentials, it held the whole URL,
password included, where everyone who reads the storage (a shared bucket) reads it. The
first command that reads such a marker keeps the password in the user's settings file (mode
0600, the one place ontolake keeps one), rewrites the marker without it, atomically and with
its permission bits, and says so once, in a line without the secret. A settings file that
holds a password and that others may read is made private, and the user is told once too.
Everything runs as ``curate`` in a fresh HOME, as the user who only has the storage would.
"""

from __future__ import annotations

import dataclasses
import json
import stat

import pytest
from fresh_process import user_environment
from reliability.test_secrets_scan import RAW_PASSWORD, spellings

from ontolake.instance.db_url import normalize_db_url

pytestmark = pytest.mark.postgres


def shows_no_secret(secret: str, texts: dict[str, str]) -> None:
    for where, text in texts.items():
        for spelling in spellings(secret):
            assert spelling not in text, f"{spelling!r} shown by {where}: {text}"


@pytest.fixture
def old_instance(curate_cli, password_owner, tmp_path):
    """An instance whose marker holds the password, and ``curate`` for a user with a new HOME."""
    owner = password_owner(RAW_PASSWORD)
    url = f"postgresql://{owner.name}:{RAW_PASSWORD}@{owner.place}"
    made = curate_cli("init", "--storage", "./lake", "--db", url)
    assert made.returncode == 0, made.stderr
    root = (curate_cli.cwd / "lake").resolve()
    marker = root / ".ontolake" / "instance.json"
    marker.write_text(json.dumps({"format": 1, "db": url}, indent=2))  # as older versions did
    marker.chmod(0o640)
    home = tmp_path / "fresh-home"
    home.mkdir()
    environment = {k: v for k, v in user_environment(home).items() if not k.startswith("PG")}
    user = dataclasses.replace(curate_cli, home=home, env=environment)
    return user, root, marker, owner


@pytest.mark.parametrize("how", ["ONTOLAKE_INSTANCE", "init"])
def test_a_password_in_an_old_marker_moves_to_the_private_settings(old_instance, how):
    user, root, marker, owner = old_instance
    public = f"postgresql://{owner.name}@{owner.place}"
    settings_file = user.home / ".config" / "ontolake" / "settings.json"

    def run(*arguments: str):
        if how == "init":
            return user(*arguments)
        return user(*arguments, ONTOLAKE_INSTANCE=str(root))

    first = run("init", "--storage", str(root)) if how == "init" else run("info")
    assert first.returncode == 0, first.stderr
    notice = (
        f"ontolake: moved the database password out of {marker} (anyone who reads the storage "
        f"reads it) into {settings_file} (readable by you only)"
    )
    assert first.stderr.splitlines().count(notice) == 1, first.stderr
    assert json.loads(marker.read_text()) == {"format": 1, "db": public}
    assert stat.S_IMODE(marker.stat().st_mode) == 0o640  # its permissions, not wider
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    url = f"postgresql://{owner.name}:{RAW_PASSWORD}@{owner.place}"
    assert normalize_db_url(url) in settings_file.read_text()  # where later sessions find it
    assert [p.name for p in marker.parent.iterdir() if p.name.endswith(".tmp")] == []

    again = run("info")  # the password now comes from the settings file, and nothing is said
    assert again.returncode == 0, again.stderr
    assert f"database:  database postgresql://{owner.name}:***@{owner.place}\n" in again.stdout
    assert "moved the database password" not in again.stderr

    shown = {f"first: {first.args}": first.stdout + first.stderr, "again": again.stdout}
    shown["again stderr"] = again.stderr
    shown[str(marker)] = marker.read_text()
    for path in user.home.rglob("*"):
        if path.is_file() and path != settings_file:
            shown[str(path)] = path.read_text(errors="replace")
    shows_no_secret(RAW_PASSWORD, shown)


def test_a_settings_file_others_may_read_is_made_private(old_instance):
    user, root, marker, owner = old_instance
    url = f"postgresql://{owner.name}:{RAW_PASSWORD}@{owner.place}"
    marker.write_text(json.dumps({"format": 1, "db": f"postgresql://{owner.name}@{owner.place}"}))
    settings_file = user.home / ".config" / "ontolake" / "settings.json"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"last_instance": {"storage": str(root), "db": url}}))
    settings_file.chmod(0o644)  # written by hand, or copied from another machine

    first = user("info")
    assert first.returncode == 0, first.stderr
    notice = (
        f"ontolake: {settings_file} holds a database password and others could read it: "
        "it is now readable by you only"
    )
    assert first.stderr.splitlines().count(notice) == 1, first.stderr
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    again = user("info")
    assert again.returncode == 0, again.stderr
    assert "readable by you only" not in again.stderr
    shows_no_secret(RAW_PASSWORD, {"first": first.stdout + first.stderr, "again": again.stderr})
