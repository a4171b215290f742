"""``curate init``, ``info``, ``doctor``, ``migrate``, ``roles`` and instance selection.

Each command is the installed executable in a fresh process with a fresh HOME, as typed.
``ONTOLAKE_INSTANCE`` speaks for its own process only; an implicit connection names its
instance once on stderr (``-q``/``ONTOLAKE_QUIET=1`` silence it); a missing instance is one
line and exit 2, with nothing created.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from cli.shell import INSTANCE_LINE, error_line

from ontolake.instance.engine import create_db_engine
from ontolake.instance.migrate import SCHEMA_REVISION, downgrade


def test_init_info_doctor_and_migrate(curate_cli):
    created = curate_cli("init", "--storage", "./data")
    assert created.returncode == 0, created.stderr
    data = (curate_cli.cwd / "data").resolve()
    assert created.stdout == (
        f"instance ready: storage {data}, sqlite database {data}/.ontolake/ontolake.db\n"
    )
    info = curate_cli("info")
    assert info.returncode == 0, info.stderr
    assert info.stdout.splitlines() == [
        f"storage:   {data}",
        f"database:  sqlite database {data}/.ontolake/ontolake.db",
        f"schema:    {SCHEMA_REVISION}",
        "artifacts: 0 (latest versions)",
    ]
    healthy = curate_cli("doctor")
    assert healthy.returncode == 0 and healthy.stdout.startswith("healthy"), healthy.stderr
    orphan = data / ".ontolake" / "AAAAAAAAAAAA0001.txt"
    orphan.write_text("left by a crash")
    unhealthy = curate_cli("doctor", "--no-hash")
    assert unhealthy.returncode == 1  # a verdict, like an invalid file
    assert "orphan file" in unhealthy.stdout
    assert curate_cli("doctor", "--fix").returncode == 0
    assert not orphan.exists()
    engine = create_db_engine(f"sqlite:///{data / '.ontolake' / 'ontolake.db'}")
    downgrade(engine, "0005")  # as an older ontolake left it
    engine.dispose()
    older = curate_cli("info")
    assert older.returncode == 2
    assert "curate migrate" in error_line(older)
    migrated = curate_cli("migrate", "--storage", "./data")
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.endswith(f"schema 0005 -> {SCHEMA_REVISION}\n")
    assert curate_cli("info").returncode == 0


def test_no_instance_at_all_is_one_line_and_exit_2(curate_cli):
    for command in (("info",), ("ls",), ("doctor",), ("migrate",), ("load", "--key", "x")):
        result = curate_cli(*command)
        assert result.returncode == 2, (command, result.stderr)
        assert "curate init --storage PATH" in error_line(result)
    assert not any(curate_cli.cwd.iterdir())
    assert not (curate_cli.home / ".config").exists()


def test_the_environment_variable_overrides_only_its_own_process(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    settings = curate_cli.home / ".config" / "ontolake" / "settings.json"
    saved = settings.read_bytes()
    other = curate_cli("init", "--storage", "./other", ONTOLAKE_INSTANCE="./other")
    assert other.returncode == 0, other.stderr
    assert "not saved as your default instance" in other.stderr
    (curate_cli.cwd / "reads.fasta").write_text(">r\nACGT\n")
    stored = curate_cli(
        "save", "reads.fasta", "--key", "raw/reads.fasta", ONTOLAKE_INSTANCE="./other"
    )
    assert stored.returncode == 0, stored.stderr
    assert curate_cli("ls", ONTOLAKE_INSTANCE="./other").stdout.count("raw/reads.fasta") == 1
    assert settings.read_bytes() == saved  # nothing remembered while the variable is set
    default = curate_cli("ls")
    assert default.returncode == 0 and default.stdout == ""
    assert f"using instance {(curate_cli.cwd / 'data').resolve()} (sqlite)" in default.stderr


def test_each_process_names_its_instance_once_unless_quiet(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    data = (curate_cli.cwd / "data").resolve()
    by_default = curate_cli("info")
    assert by_default.stderr.splitlines() == [
        f"{INSTANCE_LINE}{data} (sqlite) from the saved default "
        f"({curate_cli.home / '.config' / 'ontolake' / 'settings.json'})"
    ]
    by_variable = curate_cli("info", ONTOLAKE_INSTANCE=str(data))
    assert by_variable.stderr.splitlines() == [
        f"{INSTANCE_LINE}{data} (sqlite) from $ONTOLAKE_INSTANCE"
    ]
    assert curate_cli("-q", "info").stderr == ""
    assert curate_cli("--quiet", "info").stderr == ""
    assert curate_cli("info", ONTOLAKE_QUIET="1").stderr == ""
    assert curate_cli("info").stdout == curate_cli("-q", "info").stdout  # stdout unchanged


def test_an_instance_path_that_does_not_exist(curate_cli):
    missing = curate_cli("ls", ONTOLAKE_INSTANCE="./other-lake")
    assert missing.returncode == 2
    line = error_line(missing)
    where = (curate_cli.cwd / "other-lake").resolve()
    assert line.startswith(f"error: $ONTOLAKE_INSTANCE: '{where}' does not exist")
    assert f"`curate init --storage {where}`" in line
    assert not (curate_cli.cwd / "other-lake").exists()
    assert curate_cli("init", "--storage", "./gone").returncode == 0
    (curate_cli.cwd / "gone" / ".ontolake" / "instance.json").unlink()
    empty = curate_cli("info")
    assert empty.returncode == 2
    assert "holds no ontolake instance" in error_line(empty)
    assert "saved default" in error_line(empty)


@pytest.mark.postgres
def test_roles_and_a_masked_database_url(curate_cli, postgres_url, tmp_path):
    created = curate_cli("init", "--storage", tmp_path / "lake", "--db", postgres_url)
    assert created.returncode == 0, created.stderr
    made = curate_cli("roles", "--db", postgres_url)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert lines[0].startswith("read-only role ") and lines[1].startswith("read-write role ")
    assert "shown only now" in made.stderr
    again = curate_cli("roles", "--db", postgres_url)
    assert again.returncode == 0 and again.stdout.count("password is unchanged") == 2
    user, rest = postgres_url.split("://", 1)[1].split("@", 1)
    with_secret = f"postgresql://{user}:s3cret-word@{rest}"  # the test server trusts any password
    listed = curate_cli("info", ONTOLAKE_INSTANCE=with_secret)
    assert listed.returncode == 0, listed.stderr
    assert f"({'postgresql://' + user}:***@{rest}) from $ONTOLAKE_INSTANCE" in listed.stderr
    assert "s3cret-word" not in listed.stdout + listed.stderr
    refused = curate_cli("roles", "--db", f"sqlite:///{Path(tmp_path) / 'x.db'}")
    assert refused.returncode == 2 and "PostgreSQL" in error_line(refused)


def test_passwords_never_appear_even_with_debug(curate_cli):
    url = "postgresql://me:s3cret-word@127.0.0.1:1/none"  # nothing listens on port 1
    for debug in ((), ("--debug",)):
        refused = curate_cli(*debug, "init", "--storage", "./lake", "--db", url)
        assert refused.returncode == 2, refused.stderr
        assert "s3cret-word" not in refused.stdout + refused.stderr
        assert "postgresql://me:***@127.0.0.1:1/none" in refused.stderr.splitlines()[-1]
    assert ("Traceback" in refused.stderr) and not (curate_cli.cwd / "lake" / ".ontolake").exists()


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_failed_init_leaves_nothing_it_made(curate_cli):
    kept = curate_cli.cwd / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    before = sorted(path.relative_to(curate_cli.cwd) for path in curate_cli.cwd.rglob("*"))
    cases = {
        "./new/deep/lakeY": f"postgresql://owner:x@127.0.0.1:{closed_port()}/lake",
        "./new2/lakeZ": "sqlite:////nonexistent/dir/x.db",
        "./kept": "sqlite:////nonexistent/dir/x.db",
        "./kept/lake": "sqlite:////nonexistent/dir/x.db",
    }
    for storage, db in cases.items():
        failed = curate_cli("init", "--storage", storage, "--db", db)
        assert failed.returncode == 2, (storage, failed.stderr)
        assert error_line(failed).startswith("error: Cannot reach "), failed.stderr
        assert "owner:x@" not in failed.stderr
    after = sorted(path.relative_to(curate_cli.cwd) for path in curate_cli.cwd.rglob("*"))
    assert after == before  # the folders init made are gone, what was there is kept
    assert (kept / "notes.txt").read_text() == "mine"
    assert not (curate_cli.home / ".config" / "ontolake" / "settings.json").exists()


def test_a_damaged_instance_marker_is_exit_2_naming_the_file(curate_cli):
    assert curate_cli("init", "--storage", "./data").returncode == 0
    marker = (curate_cli.cwd / "data" / ".ontolake" / "instance.json").resolve()
    settings_file = curate_cli.home / ".config" / "ontolake" / "settings.json"
    for content, reason in (
        (b"{not json", "not JSON: Expecting property name"),
        (b"[]", "a JSON list, not an object"),
        (b"\xff\xfe{}", "not UTF-8 text: invalid start byte at byte 0"),
        (b"[" * 100_000, "not JSON: nested too deeply"),
    ):
        marker.write_bytes(content)
        for command in (("info",), ("ls",), ("init", "--storage", "./data")):
            result = curate_cli(*command)
            assert result.returncode == 2, (command, result.stderr)
            line = error_line(result)
            # An instance chosen implicitly also says where the choice came from.
            origin = "" if command[0] == "init" else f"the saved default ({settings_file}): "
            assert line.startswith(f"error: {origin}{marker} is damaged ({reason}"), line
            assert line.endswith(
                'holds {"format": 1, "db": "sqlite"} (for another database, "db" is its URL '
                "without the password): restore it from a backup, or write that content back."
            )
    marker.write_text('{"format": 1, "db": "sqlite"}')
    assert curate_cli("info").returncode == 0  # as the message says
