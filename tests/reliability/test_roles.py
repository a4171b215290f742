"""PostgreSQL roles: ``curate roles`` makes a read-only and a read-write role for an instance.

Connected with the read-only role, a user can query and load artifacts, and every write
fails with ``PermissionDeniedError`` saying what to do — leaving no row, staged file or moved
file behind. The read-write role writes rows but cannot change the schema. Passwords are
printed once by ``curate roles`` and appear nowhere else: not in logs, reprs, ``curate info``,
settings printouts or error messages (URLs are masked).

The test server trusts every local connection; for the roles made here, the test requires
passwords (SCRAM) in the server's ``pg_hba.conf``, so the printed passwords are checked too.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import traceback
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from click.testing import CliRunner
from services.postgres import passwords_required, wait_until_refused
from sqlalchemy import text

import ontolake as ol
from ontolake.cli import main
from ontolake.errors import PermissionDeniedError
from ontolake.instance import setup
from ontolake.instance.engine import database_errors

pytestmark = pytest.mark.postgres

KEY = "raw/reads.fasta"


@pytest.fixture
def lake(tmp_path, postgres_server, postgres_url):
    """An instance owned by the superuser, with an artifact and a label, and two role names."""
    instance = ol.init(storage=tmp_path / "lake", db=postgres_url)
    data = tmp_path / "reads.fasta"
    data.write_text(">r1\nACGT\n" * 50)
    ol.Artifact(data, key=KEY, description="first reads").save()
    ol.ULabel(name="batch 1").save()
    suffix = uuid.uuid4().hex[:8]
    names = (f"ol_reader_{suffix}", f"ol_writer_{suffix}")
    with passwords_required(postgres_server.base_url, names) as enforced:
        yield instance, names, enforced
        setup.disconnect()
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            for name in names:
                connection.execute(f"DROP OWNED BY {name}")
                connection.execute(f"DROP ROLE {name}")


def create_roles(postgres_url: str, names: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Run ``curate roles``; return {access: (url, password)} read from what it printed."""
    result = CliRunner().invoke(
        main, ["roles", "--db", postgres_url, "--reader", names[0], "--writer", names[1]]
    )
    assert result.exit_code == 0, result.output
    assert "shown only now" in result.output
    printed = dict(re.findall(r"^(read-only|read-write) role \S+: (\S+)$", result.output, re.M))
    assert set(printed) == {"read-only", "read-write"}, result.output
    found = {}
    for access, url in printed.items():
        password = re.search(r"://[^:]+:([^@]+)@", url)[1]
        assert len(password) >= 24
        assert result.output.count(password) == 1  # printed once, in its URL
        found[access] = (url, password)
    return found


def test_read_only_role_queries_and_loads_but_cannot_write(lake, postgres_url, tmp_path, caplog):
    _owner, names, enforced = lake
    stored = next(iter(ol.Artifact.filter(key=KEY)))
    roles = create_roles(postgres_url, names)
    reader_url, password = roles["read-only"]
    if enforced:
        wait_until_refused(reader_url)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # statements, parameters

    instance = ol.connect(reader_url)
    assert ol.ULabel.filter().count() == 1
    artifact = ol.Artifact.get(key=KEY, is_latest=True)
    assert artifact.uid == stored.uid and artifact.description == "first reads"
    assert Path(artifact.cache()).read_text() == ">r1\nACGT\n" * 50
    assert ol.Artifact.filter(key__startswith="raw/").to_dataframe().shape[0] == 1
    assert ol.Artifact.search("reads").count() == 1
    lake_files = sorted(p.name for p in (Path(instance.root.root) / ".ontolake").rglob("*"))

    new_data = tmp_path / "more.fasta"
    new_data.write_text(">r2\nTTTT\n")
    writes = {
        "new label": lambda: ol.ULabel(name="batch 2").save(),
        "new artifact": lambda: ol.Artifact(new_data, key="raw/more.fasta").save(),
        "new version": lambda: ol.Artifact(new_data, key=KEY).save(),
        "rename": lambda: _renamed(ol.ULabel.get(name="batch 1")),
        "trash": lambda: ol.Artifact.get(key=KEY).delete(),
        "permanent delete": lambda: ol.Artifact.get(key=KEY).delete(permanent=True),
        "ontology import": lambda: ol.bio.Phenotype.import_source(
            Path(__file__).parents[1] / "data" / "ontologies" / "hp_subset.obo"
        ),
    }
    errors = []
    for what, write in writes.items():
        with pytest.raises(PermissionDeniedError) as raised:
            write()
        message = str(raised.value)
        assert "read-only roles can only query and load" in message, what
        assert "Connect with a role that may write" in message, what
        errors.append(raised.value)
    # nothing changed: no row, no moved, staged or new file
    setup.disconnect()
    ol.connect(postgres_url)
    assert [label.name for label in ol.ULabel.filter()] == ["batch 1"]
    assert [(a.uid, a.is_trashed) for a in ol.Artifact.filter(key__startswith="raw/")] == [
        (stored.uid, False)
    ]
    after = sorted(p.name for p in (Path(instance.root.root) / ".ontolake").rglob("*"))
    assert after == lake_files
    assert CliRunner().invoke(main, ["doctor"]).exit_code == 0

    # the password is nowhere but in the settings file, which only its owner may read
    setup.disconnect()
    instance = ol.connect(reader_url)
    info = CliRunner().invoke(main, ["info"])
    assert info.exit_code == 0 and f"{names[0]}:***@" in info.output
    shown = [
        info.output,
        repr(instance),
        instance.db_description,
        repr(ol.settings),
        repr(ol.settings.last_instance()),
        repr(instance.engine),
        caplog.text,
        *(str(error) for error in errors),
        *("".join(traceback.format_exception(error)) for error in errors),
    ]
    for printed in shown:
        assert password not in printed
    marker = (Path(instance.root.root) / ".ontolake" / "instance.json").read_text()
    assert password not in marker and "***" not in marker
    settings_file = Path(os.environ["ONTOLAKE_CONFIG_DIR"]) / "settings.json"
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600


def _renamed(label):
    label.name = "renamed"
    return label.save()


def test_read_write_role_writes_rows_but_not_the_schema(lake, postgres_url, tmp_path):
    _owner, names, enforced = lake
    roles = create_roles(postgres_url, names)
    writer_url, password = roles["read-write"]
    if enforced:
        wait_until_refused(writer_url)
    ol.connect(writer_url)
    data = tmp_path / "reads.fasta"
    data.write_text(">r1\nGGGG\n")
    assert ol.Artifact(data, key=KEY).save().version == 2
    ol.ULabel(name="batch 2").save()
    ol.ULabel.get(name="batch 1").delete(permanent=True)
    assert [label.name for label in ol.ULabel.filter()] == ["batch 2"]
    ol.bio.Phenotype.import_source(
        Path(__file__).parents[1] / "data" / "ontologies" / "hp_subset.obo"
    )
    instance = setup.current_instance()
    for statement in (
        "DROP TABLE ulabels",
        "CREATE TABLE intruder (id int)",
        "UPDATE alembic_version SET version_num = '0001'",  # the schema revision is the owner's
    ):
        with (
            pytest.raises(PermissionDeniedError) as raised,
            database_errors(instance.db_description),
            instance.engine.begin() as connection,
        ):
            connection.execute(text(statement))
        assert password not in str(raised.value)

    # a wrong password is refused with an error that does not echo it
    setup.disconnect()
    if enforced:
        wrong = writer_url.replace(password, "not-the-password-42")
        with pytest.raises(PermissionDeniedError) as refused:
            ol.connect(wrong)
        assert "not-the-password-42" not in "".join(traceback.format_exception(refused.value))
        assert "password" in str(refused.value)


def test_roles_again_keeps_passwords_and_refuses_bad_input(lake, postgres_url, tmp_path):
    _owner, names, _enforced = lake
    first = create_roles(postgres_url, names)
    again = CliRunner().invoke(
        main, ["roles", "--db", postgres_url, "--reader", names[0], "--writer", names[1]]
    )
    assert again.exit_code == 0, again.output
    assert again.output.count("password is unchanged") == 2
    for url, password in first.values():
        assert password not in again.output
        psycopg.connect(url).close()  # the old passwords still work
    bad_name = CliRunner().invoke(main, ["roles", "--db", postgres_url, "--reader", "x; DROP"])
    assert bad_name.exit_code != 0 and "plain PostgreSQL name" in bad_name.output
    sqlite = CliRunner().invoke(main, ["roles", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert sqlite.exit_code != 0 and "PostgreSQL" in sqlite.output
    with psycopg.connect(postgres_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE empty_{names[0]}")
    try:
        base = postgres_url.rsplit("/", 1)[0]
        empty = CliRunner().invoke(main, ["roles", "--db", f"{base}/empty_{names[0]}"])
        assert empty.exit_code != 0 and "holds no ontolake instance" in empty.output
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE empty_{names[0]}")


def test_roles_again_never_prints_the_password_of_the_url_it_was_given(lake, postgres_url):
    """Run again by an owner whose URL holds a password: the roles whose passwords stay print
    URLs without any password, never the owner's (the server trusts the owner here, so the
    password in its URL is sent but not needed)."""
    _owner, names, _enforced = lake
    create_roles(postgres_url, names)
    secret = "pa/ss@:#?%x"
    scheme, rest = postgres_url.split("://", 1)
    user, host = rest.split("@", 1) if "@" in rest else ("postgres", rest)
    with_password = f"{scheme}://{user.split(':')[0]}:{quote(secret, safe='')}@{host}"
    again = CliRunner().invoke(
        main, ["roles", "--db", with_password, "--reader", names[0], "--writer", names[1]]
    )
    assert again.exit_code == 0, again.output
    assert again.output.count("password is unchanged") == 2
    assert secret not in again.output and quote(secret, safe="") not in again.output
    printed = re.findall(r"^(?:read-only|read-write) role \S+: (\S+)", again.output, re.M)
    assert len(printed) == 2 and all(re.match(r"postgresql[+\w]*://[^:@/]+@", u) for u in printed)


def test_given_passwords_of_any_characters_are_printed_encoded_and_work(
    lake, postgres_url, curate_cli
):
    _owner, names, enforced = lake
    given = {"read-only": "r@d/:%ü +", "read-write": "w#x?y z"}
    owner_url = f"{postgres_url}?password=own3r-s3cret"  # not handed on to the new roles
    made = curate_cli(
        "roles",
        "--db",
        owner_url,
        "--reader",
        names[0],
        "--writer",
        names[1],
        ONTOLAKE_READER_PASSWORD=given["read-only"],
        ONTOLAKE_WRITER_PASSWORD=given["read-write"],
    )
    assert made.returncode == 0, made.stderr
    place = postgres_url.split("@", 1)[1]
    for (access, password), name in zip(given.items(), names, strict=True):
        url = f"postgresql://{name}:{quote(password, safe='')}@{place}"
        assert f"{access} role {name}: {url}\n" in made.stdout  # every character encoded
        if enforced:
            wait_until_refused(url)
        with psycopg.connect(url) as connection:  # libpq reads back the very password
            assert connection.info.user == name
        listed = curate_cli("info", ONTOLAKE_INSTANCE=url)
        assert listed.returncode == 0, listed.stderr
        assert f"postgresql://{name}:***@{place}" in listed.stderr
        for spelling in (password, quote(password, safe=""), quote(password, safe=" +")):
            assert spelling not in listed.stdout + listed.stderr
    assert "own3r-s3cret" not in made.stdout + made.stderr


def test_roles_by_a_role_that_may_not_create_roles_is_a_one_line_error(
    lake, postgres_url, curate_cli
):
    from cli.shell import error_line

    _owner, names, _enforced = lake
    plain = f"ol_plain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {plain} LOGIN")
    try:
        url = re.sub(r"://[^@/]*@", f"://{plain}@", postgres_url)
        result = curate_cli("roles", "--db", url, "--reader", names[0], "--writer", names[1])
        assert result.returncode == 2, result.stderr
        line = error_line(result)
        assert line.startswith("error: ") and "does not allow this operation" in line, line
        assert "permission denied to create role" in line
        assert "Traceback" not in result.stderr
        create_roles(postgres_url, names)  # the owner may: the roles this fixture drops
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f"DROP ROLE {plain}")
