"""``curate synonym add``, ``remove``, ``abbr`` and ``ls``: a curator's own vocabulary.

TERM is an ontology id or a name; each command prints the term's synonyms as they are now.
A synonym another live term owns is refused (exit 2) with a line naming that term.

Example:
    $ curate synonym add CellType "T cell" Tc "T lymphocyte"
    CellType CL:0000084 'T cell': T-cell|Tc|T lymphocyte
"""

from __future__ import annotations

from typing import Any

import click

from ontolake.cli.app import main
from ontolake.cli.ontologies import entity_model

__all__ = ["abbr_command", "add_command", "list_command", "remove_command", "synonym"]


@main.group()
def synonym() -> None:
    """Add, remove and list a term's synonyms, and set its abbreviation."""


def _term(entity: str, term: str) -> Any:
    """The live record of ENTITY whose ontology id, else name, is ``term``."""
    from ontolake.errors import DoesNotExistError, MultipleResultsError

    model = entity_model(entity)
    records = model.filter(ontology_id=term).to_list()
    records = records or model.filter(name=term).order_by("id").limit(3).to_list()
    if not records:
        raise DoesNotExistError(
            f"No {entity} term has the ontology id or name {term!r}: find it with "
            f'`curate ontology search {entity} "{term}"`.'
        )
    if len(records) > 1:
        ids = ", ".join(str(record.ontology_id or f"#{record.id}") for record in records)
        raise MultipleResultsError(
            f"Several {entity} terms are named {term!r} ({ids}): name one by its ontology id."
        )
    return records[0]


def _show(entity: str, record: Any) -> None:
    from ontolake.registries.bio.synonyms import record_label

    abbr = f" (abbr {record.abbr})" if record.abbr else ""
    click.echo(f"{entity} {record_label(record)}{abbr}: {record.synonyms or ''}")


@synonym.command(name="add")
@click.argument("entity")
@click.argument("term")
@click.argument("synonyms", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Share a synonym another term owns (ambiguous).")
def add_command(entity: str, term: str, synonyms: tuple[str, ...], force: bool) -> None:
    """Add SYNONYMS to TERM (an ontology id or name) of the ENTITY registry."""
    record = _term(entity, term)
    record.add_synonym(list(synonyms), force=force)
    _show(entity, record)


@synonym.command(name="remove")
@click.argument("entity")
@click.argument("term")
@click.argument("synonyms", nargs=-1, required=True)
def remove_command(entity: str, term: str, synonyms: tuple[str, ...]) -> None:
    """Remove SYNONYMS from TERM of the ENTITY registry."""
    record = _term(entity, term)
    record.remove_synonym(list(synonyms))
    _show(entity, record)


@synonym.command(name="abbr")
@click.argument("entity")
@click.argument("term")
@click.argument("abbreviation")
def abbr_command(entity: str, term: str, abbreviation: str) -> None:
    """Set the abbreviation of TERM of the ENTITY registry (also added as a synonym)."""
    record = _term(entity, term)
    record.set_abbr(abbreviation)
    _show(entity, record)


@synonym.command(name="ls")
@click.argument("entity")
@click.argument("term")
def list_command(entity: str, term: str) -> None:
    """Show the synonyms and abbreviation of TERM of the ENTITY registry."""
    _show(entity, _term(entity, term))
