"""Every identifier field of every bio registry is a filter field, a ``get`` key and an itype.

The fields are enumerated, not listed by hand: every indexed or unique text column, every
alias (``Gene.ensembl_gene_id``), every field a registry's docstring names in double
backquotes and every ``bt.<Registry>.<field>`` the README or the bio docstrings write. A
field added to a registry or to its documentation is a new test case here, and fails until
it works everywhere a field does.
"""

from __future__ import annotations

import inspect as pyinspect
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import String
from sqlalchemy import inspect as sa_inspect

import ontolake as ol
import ontolake.registries.bio.entities as entities
from ontolake.errors import ValidationError
from ontolake.ontology_sources.source import InMemorySource, SourceSpec
from ontolake.ontology_sources.terms import Synonym, Term
from ontolake.registries.bio.term import OntologyTerm
from ontolake.schemas.dtypes import parse_dtype, registry_name

ROOT = Path(__file__).resolve().parents[3]
REGISTRIES = {name: getattr(ol.bio, name) for name in entities.__all__}
DOCUMENTED = re.compile(r"\b(?:bt|ol\.bio|bio)\.([A-Z]\w+)\.([a-z_]\w*)\b")


def _is_field(model: type, name: str) -> bool:
    attribute = getattr(model, name, None)
    return attribute is not None and not callable(attribute) and not name.startswith("_")


def _documented_in_text() -> set[tuple[str, str]]:
    texts = [(ROOT / "README.md").read_text()]
    texts += [pyinspect.getsource(module) for module in (entities, ol.bio)]
    found = set()
    for text in texts:
        for registry, field in DOCUMENTED.findall(text):
            if registry in REGISTRIES and _is_field(REGISTRIES[registry], field):
                found.add((registry, field))
    return found


def identifier_fields() -> list[tuple[str, str]]:
    """(registry, field) for every identifier field any registry has or documents."""
    found = _documented_in_text()
    for registry, model in REGISTRIES.items():
        mapper = sa_inspect(model)
        for column in mapper.columns:
            if isinstance(column.type, String) and (column.index or column.unique):
                found.add((registry, str(column.key)))
        found.update((registry, name) for name, _alias in mapper.synonyms.items())
        for name in re.findall(r"``([a-z_]+)``", model.__doc__ or ""):
            if _is_field(model, name):
                found.add((registry, name))
    return sorted(found)


def _ontology(entity: str, terms: list[Term], organism: str | None = None) -> InMemorySource:
    format_ = "gene_table" if entity == "Gene" else "memory"
    spec = SourceSpec(entity, entity.lower(), "1", organism, f"memory://{entity}", format_)
    return InMemorySource(terms, spec)


def _one_record(registry: str) -> object:
    """A saved record of ``registry`` with every identifier field set (and a decoy)."""
    model = REGISTRIES[registry]
    if registry == "Protein":
        model(name="Insulin", uniprotkb_id="P01308", gene_symbol="INS").save()
        return model(
            name="Cellular tumor antigen p53", uniprotkb_id="P04637", gene_symbol="TP53"
        ).save()
    if registry == "CellMarker":
        model(name="CD8", gene_symbol="CD8A").save()
        return model(name="CD4 marker", gene_symbol="CD4").save()
    if registry == "Gene":
        terms = [
            Term("ENSG00000141510", "TP53", extra={"biotype": "protein_coding"}),
            Term("ENSG00000228253", "MT-ATP8", extra={"biotype": "lncRNA"}),
        ]
        model.import_source(_ontology("Gene", terms, organism="human"))
        record = model.get(ontology_id="ENSG00000141510")
    else:
        terms = [
            Term("X:0000001", "first term", synonyms=(Synonym("term one", "exact"),)),
            Term("X:0000002", "decoy term"),
        ]
        model.import_source(_ontology(registry, terms))
        record = model.get(ontology_id="X:0000001")
    record.abbr = "FT1" if registry != "Gene" else "P53"
    return record.save()


@pytest.mark.parametrize(("registry", "field"), identifier_fields())
def test_every_identifier_field_filters_gets_and_is_an_itype(sqlite_instance, registry, field):
    model = REGISTRIES[registry]
    record = _one_record(registry)
    value = getattr(record, field)
    assert isinstance(value, str) and value, f"{registry}.{field} is empty on {record!r}"
    attribute = getattr(model, field)

    def ids(**lookups: object) -> list[int]:
        return [found.id for found in model.filter(**lookups)]

    assert ids(**{field: value}) == [record.id]
    assert ids(**{f"{field}__in": [value, "no such value"]}) == [record.id]
    assert record.id in ids(**{f"{field}__startswith": value[:2]})
    assert ids(**{f"{field}__iexact": value.swapcase()}) == [record.id]
    assert ids(**{f"{field}__icontains": value[1:].upper()}) == [record.id]
    assert record.id not in [found.id for found in model.exclude(**{field: value})]
    assert model.filter(attribute == value).one().id == record.id
    assert model.get(**{field: value}).id == record.id

    dtype = parse_dtype(attribute)
    written = registry_name(model) + ("" if field == "name" else f".{field}")
    assert str(dtype) == f"cat[{written}]"
    assert parse_dtype(str(dtype)) == dtype

    feature = ol.Feature(name="identifier", dtype=attribute).save()
    valid = pd.DataFrame({"identifier": pd.Categorical([value])})
    ol.curate.DataFrameCurator(valid, ol.Schema(features=[feature])).validate()
    invalid = pd.DataFrame({"identifier": pd.Categorical([value, "no such value"])})
    with pytest.raises(ValidationError):
        ol.curate.DataFrameCurator(invalid, ol.Schema(features=[feature])).validate()

    by_names = ol.Schema(itype=attribute, dtype="num")
    ol.curate.DataFrameCurator(pd.DataFrame({value: [1.0]}), by_names).validate()
    with pytest.raises(ValidationError):
        ol.curate.DataFrameCurator(pd.DataFrame({"no such value": [1.0]}), by_names).validate()

    if issubclass(model, OntologyTerm):
        for given in (attribute, field):
            assert model.validate([value, "no such value"], field=given).tolist() == [True, False]
            assert model.inspect([value, "no such value"], field=given).validated == [value]
            assert model.standardize([value, "no such value"], field=given) == [
                value,
                "no such value",
            ]
        assert model.standardize([value], field=attribute, return_field=model.uid) == [record.uid]
        assert model.standardize([record.name], return_field=field) == [value]


def test_the_enumeration_holds_the_documented_gene_and_protein_ids():
    found = identifier_fields()
    for pair in [
        ("Gene", "ensembl_gene_id"),
        ("Gene", "stable_id"),
        ("Gene", "symbol"),
        ("Gene", "ontology_id"),
        ("Protein", "uniprotkb_id"),
        ("Organism", "ontology_id"),
        ("CellType", "ontology_id"),
        ("CellMarker", "gene_symbol"),
    ]:
        assert pair in found


@pytest.mark.parametrize("registry", sorted(REGISTRIES))
def test_no_registry_field_is_a_python_property(registry):
    """A property reads like a field but cannot be filtered on or used as an itype."""
    model = REGISTRIES[registry]
    properties = [
        name
        for klass in model.__mro__
        if klass.__module__.startswith("ontolake.registries")
        for name, value in vars(klass).items()
        if isinstance(value, property)
    ]
    assert properties == []


def test_gene_ensembl_gene_id_is_the_ontology_id_on_both_databases(instance):
    bt = ol.bio
    terms = [Term("ENSG00000141510", "TP53"), Term("ENSG00000010610", "CD4")]
    bt.Gene.import_source(_ontology("Gene", terms, organism="human"))
    tp53 = bt.Gene.get(ensembl_gene_id="ENSG00000141510")
    assert (tp53.symbol, tp53.ensembl_gene_id, tp53.ontology_id) == (
        "TP53",
        "ENSG00000141510",
        "ENSG00000141510",
    )
    assert {g.symbol for g in bt.Gene.filter(ensembl_gene_id__startswith="ENSG00000")} == {
        "TP53",
        "CD4",
    }
    assert bt.Gene.filter(ensembl_gene_id__startswith="ENSG000000").one().symbol == "CD4"
    assert bt.Gene.filter(ensembl_gene_id__iexact="ensg00000010610").one().symbol == "CD4"
    assert bt.Gene.filter(ensembl_gene_id__in=["ENSG00000010610"]).one().symbol == "CD4"
    assert bt.Gene.filter(ensembl_gene_id__isnull=True).count() == 0
    frame = bt.Gene.filter().order_by("ensembl_gene_id").to_dataframe(include=["ensembl_gene_id"])
    assert frame["ensembl_gene_id"].tolist() == ["ENSG00000010610", "ENSG00000141510"]
    assert bt.Gene.search("ENSG00000141510", field=bt.Gene.ensembl_gene_id).first().symbol == "TP53"
    schema = ol.Schema(itype=bt.Gene.ensembl_gene_id, dtype="num").save()
    assert schema.itype == "bio.Gene.ensembl_gene_id"
    frame = pd.DataFrame({"ENSG00000141510": [1.0], "ENSG00000010610": [2.0]})
    ol.curate.DataFrameCurator(frame, schema).validate()
    with pytest.raises(ValidationError) as caught:
        ol.curate.DataFrameCurator(frame.assign(ENSG00000000000=[3.0]), schema).validate()
    assert "ENSG00000000000" in str(caught.value)
    new = bt.Gene(ensembl_gene_id="ENSG00000999999", name="NEW1", symbol="NEW1").save()
    assert bt.Gene.get(ontology_id="ENSG00000999999").id == new.id


def test_an_unknown_field_still_lists_the_aliases():
    from ontolake.errors import DtypeError, InvalidFieldError

    with pytest.raises(InvalidFieldError, match="Did you mean 'ensembl_gene_id'") as caught:
        ol.bio.Gene.filter(ensembl_gene_ids="x")
    assert "ensembl_gene_id" in str(caught.value).split("Valid fields:")[1]
    with pytest.raises(DtypeError, match="Did you mean 'ensembl_gene_id'"):
        parse_dtype("cat[bio.Gene.ensembl_gene_ids]")


def test_cli_a_schema_file_takes_columns_named_by_ensembl_gene_ids(curate_cli):
    (curate_cli.cwd / "genes.yaml").write_text(
        "ontolake_schema: 1\nname: genes\nitype: bio.Gene.ensembl_gene_id\ndtype: num\n"
    )
    (curate_cli.cwd / "good.csv").write_text("ENSG00000141510,ENSG00000010610\n1,2\n")
    (curate_cli.cwd / "bad.csv").write_text("ENSG00000141510,ENSG00000000000\n1,2\n")
    assert curate_cli("init", "--storage", "./lake").returncode == 0
    imported = curate_cli("ontology", "import", "Gene")
    assert imported.returncode == 0, imported.stderr
    good = curate_cli("validate", "good.csv", "--schema", "genes.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = curate_cli("validate", "bad.csv", "--schema", "genes.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "ENSG00000000000" in bad.stdout
