"""``curate init``, ``info``, ``migrate``, ``doctor`` and ``roles``: the instance itself.

Example:
    $ curate init --storage ./data
    $ curate info
    $ curate doctor --fix
"""

from __future__ import annotations

import click

from ontolake.cli.app import main
from ontolake.cli.failures import INVALID

__all__ = ["doctor", "info", "init", "migrate", "roles"]


@main.command()
@click.option("--storage", required=True, help="Local folder or fsspec URL (s3://bucket/prefix).")
@click.option("--db", default=None, help="Database URL; default: SQLite inside the storage.")
def init(storage: str, db: str | None) -> None:
    """Create an instance (or connect to the one at STORAGE)."""
    import ontolake as ol
    from ontolake.instance.settings import INSTANCE_ENV, settings

    instance = ol.init(storage=storage, db=db)
    click.echo(f"instance ready: storage {instance.root.root}, {instance.db_description}")
    if settings.instance_overridden:
        click.echo(f"(not saved as your default instance: ${INSTANCE_ENV} is set)", err=True)


@main.command()
def info() -> None:
    """Show the connected instance: storage, database, schema revision and counts."""
    from ontolake.instance.migrate import current_revision
    from ontolake.instance.session import current_instance
    from ontolake.registries.artifact import Artifact

    instance = current_instance()
    click.echo(f"storage:   {instance.root.root}")
    click.echo(f"database:  {instance.db_description}")
    click.echo(f"schema:    {current_revision(instance.engine)}")
    click.echo(f"artifacts: {Artifact.filter(is_latest=True).count()} (latest versions)")


@main.command()
@click.option("--storage", default=None, help="Instance to migrate (default: the connected one).")
def migrate(storage: str | None) -> None:
    """Upgrade the instance's database schema to this version of ontolake."""
    from ontolake.instance.engine import database_errors
    from ontolake.instance.migrate import SCHEMA_REVISION, current_revision, upgrade
    from ontolake.instance.session import locate

    engine, description = locate(storage)
    try:
        with database_errors(description):
            before = current_revision(engine)
            upgrade(engine)
    finally:
        engine.dispose()
    click.echo(f"{description}: schema {before} -> {SCHEMA_REVISION}")


@main.command()
@click.option(
    "--fix",
    is_flag=True,
    help="Remove orphan files and staging leftovers; mark runs of dead processes aborted.",
)
@click.option("--no-hash", is_flag=True, help="Skip re-hashing stored files (faster).")
def doctor(fix: bool, no_hash: bool) -> None:
    """Check that every artifact has its file (with the right hash) and every file its row.

    Also lists runs of this machine left "started" by a process that died (SIGKILL).
    Exits 0 when healthy, 1 when not (a verdict, like an invalid file).
    """
    from ontolake.instance.session import current_instance
    from ontolake.registries.doctor import diagnose

    diagnosis = diagnose(current_instance(), fix=fix, check_hashes=not no_hash)
    for line in diagnosis.lines():
        click.echo(line)
    if not diagnosis.healthy:
        raise click.exceptions.Exit(INVALID)


@main.command()
@click.option("--db", required=True, help="The instance's database URL, as its tables' owner.")
@click.option("--reader", default=None, help="Read-only role name (default: <database>_reader).")
@click.option("--writer", default=None, help="Read-write role name (default: <database>_writer).")
@click.option(
    "--reader-password",
    envvar="ONTOLAKE_READER_PASSWORD",
    default=None,
    help="Its password (better: the env variable); default: generated for a new role.",
)
@click.option(
    "--writer-password",
    envvar="ONTOLAKE_WRITER_PASSWORD",
    default=None,
    help="Its password (better: the env variable); default: generated for a new role.",
)
def roles(
    db: str,
    reader: str | None,
    writer: str | None,
    reader_password: str | None,
    writer_password: str | None,
) -> None:
    """Create a read-only and a read-write PostgreSQL role for an instance (printed once)."""
    from ontolake.instance.roles import create_roles

    grants = create_roles(
        db,
        reader=reader,
        writer=writer,
        reader_password=reader_password,
        writer_password=writer_password,
    )
    for grant in grants:
        click.echo(f"{grant.access} role {grant.name}: {grant.url}")
        if grant.password is None:
            click.echo("  (the role existed: its password is unchanged)")
        if grant.note:
            click.echo(f"  note: {grant.note}")
    if any(grant.password for grant in grants):
        click.echo(
            "These passwords are shown only now: keep them in a password manager or ~/.pgpass.",
            err=True,
        )
