"""The CELLxGENE convention's term lookups: cold (fresh HOME) and warm give one verdict.

``curate validate --schema cellxgene`` looks up only the ids a file uses, in the pinned
ontology files, and caches the answers per source version. These tests check that the
first run on a fresh machine, later runs reading the cache, and a registry that imported
the whole ontology all answer alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from curate.cellxgene_files import (
    CELL_LINE_ROW,
    HUMAN_GENES,
    VALID_HUMAN_ROW,
    with_values,
    write_h5ad,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("cellxgene_ontology_guide")

V = VALID_HUMAN_ROW
INVALID_ROWS = [
    V,
    CELL_LINE_ROW,
    with_values(V, cell_type_ontology_term_id="CL:0000003"),  # obsolete
    with_values(V, cell_type_ontology_term_id="CL:9999999"),  # no such term
    with_values(V, tissue_ontology_term_id="CL:0000084"),  # wrong ontology
    with_values(V, development_stage_ontology_term_id="MmusDv:0000001"),  # mouse in human
    with_values(V, self_reported_ethnicity_ontology_term_id="HANCESTRO:0005"),  # not allowed
    with_values(V, disease_ontology_term_id="MONDO:0100096 || MONDO:0005148"),
]


def run_json(curate_cli, path: Path) -> tuple[int, dict]:
    result = curate_cli("validate", path, "--schema", "cellxgene", "--format", "json")
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("rows", "options", "code"),
    [
        ([V, CELL_LINE_ROW], {}, 0),
        (INVALID_ROWS, {"genes": [*HUMAN_GENES, "ENSMUSG00000102693", "ENSG0000000000X"]}, 1),
        ([V], {"organism": "NCBITaxon:10091", "genes": ["ENSMUSG00000102693"]}, 1),
    ],
    ids=["valid", "invalid", "mouse-strain"],
)
def test_a_first_run_in_a_fresh_home_gives_the_verdict_and_findings_of_later_runs(
    curate_cli, rows, options, code
):
    path = write_h5ad(curate_cli.cwd / "cells.h5ad", rows, **options)
    cold = run_json(curate_cli, path)
    facts = curate_cli.home / ".cache" / "ontolake" / "term-facts"
    kept = sorted(p.name for p in facts.iterdir())
    assert any(name.startswith("ncbitaxon@") for name in kept)
    warm = run_json(curate_cli, path)
    for cached in facts.iterdir():  # a damaged cache is searched again, same answers
        cached.write_text("{")
    damaged = run_json(curate_cli, path)
    assert cold == warm == damaged
    assert cold[0] == code
    assert not (curate_cli.home / ".config" / "ontolake").exists()  # no instance needed


@pytest.fixture(scope="module")
def imported_cl(tmp_path_factory):
    """The storage of a registry holding the whole pinned CL version."""
    import ontolake as ol
    from ontolake.instance import setup
    from ontolake.schemas.cellxgene import pinned_versions

    storage = tmp_path_factory.mktemp("cl-registry") / "lake"
    ol.init(storage=storage, remember=False)
    ol.bio.CellType.import_source("cl", version=pinned_versions()["CL"])
    setup.disconnect()
    return storage


def registry_facts(storage: Path, term_ids: list[str]) -> dict[str, tuple[bool, frozenset[str]]]:
    from sqlalchemy import select

    import ontolake as ol
    from ontolake.instance.session import current_instance
    from ontolake.registries.bio.hierarchy import closure_ids

    model = ol.bio.CellType
    ol.connect(storage, remember=False)
    facts = {}
    with current_instance().read() as session:
        rows = session.execute(
            select(model.id, model.ontology_id, model.is_obsolete).where(
                model.ontology_id.in_(term_ids)
            )
        ).all()
        for record_id, term_id, obsolete in rows:
            above = closure_ids(model, [record_id], upward=True).subquery()
            ancestors = session.execute(
                select(model.ontology_id).where(model.id.in_(select(above.c.id)))
            ).scalars()
            facts[term_id] = (bool(obsolete), frozenset(ancestors))
    return facts


def _cl_ids() -> list[str]:
    from ontolake.ontology_sources import catalog
    from ontolake.ontology_sources.formats.cellxgene_json import iter_entries
    from ontolake.ontology_sources.locations import open_binary
    from ontolake.schemas.cellxgene import pinned_versions

    location = catalog.find("CellType", "cl", pinned_versions()["CL"]).spec.location
    with open_binary(location) as handle:
        return sorted(key for key, _ in iter_entries(handle, location))


CL_IDS = _cl_ids()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(st.sampled_from(CL_IDS), min_size=1, max_size=40, unique=True),
    absent=st.lists(st.from_regex(r"CL:9[0-9]{6}", fullmatch=True), max_size=2),
)
def test_the_lookups_answer_like_the_imported_registry(imported_cl, tmp_path_factory, ids, absent):
    from ontolake.curate.term_index import TermIndex
    from ontolake.instance import setup
    from ontolake.ontology_sources.term_lookup import TermFactsCache

    wanted = [*ids, *absent]
    registry = registry_facts(imported_cl, wanted)
    setup.disconnect()
    index = TermIndex(cache=TermFactsCache(tmp_path_factory.mktemp("facts")))
    index.load(wanted)
    for term_id in wanted:
        assert index.is_valid(term_id, "CL") == (term_id in registry)
        if term_id in registry:
            obsolete, ancestors = registry[term_id]
            assert index.is_obsolete(term_id) == obsolete
            assert index.ancestors(term_id) == ancestors
