"""The Gene registry with gene history: retired and renamed symbols standardize, ambiguous
ones are reported with every candidate, and gene symbols get no fuzzy suggestions."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select

import ontolake as ol
from ontolake.instance.session import current_instance

bt = ol.bio


def _suggested(result, value):
    return [(s.kind, s.value) for s in result.suggestions[value]]


def test_renamed_human_symbols_standardize_and_shared_ones_stay_ambiguous(sqlite_instance):
    bt.Gene.import_source(organism="human")
    renamed = ["SEPT7", "ATPIF1", "H2AFY", "IGJ", "CARS", "PHB"]
    assert bt.Gene.standardize([*renamed, "CD4", "sept7"]) == [
        *["SEPTIN7", "ATP5IF1", "MACROH2A1", "JCHAIN", "CARS1", "PHB1"],
        *["CD4", "SEPTIN7"],
    ]
    assert bt.Gene.validate(renamed).tolist() == [False] * len(renamed)
    assert bt.Gene.standardize(["IGJ"], field=bt.Gene.symbol) == ["JCHAIN"]

    values = ["SEPT7", "AK3", "AK3L1", "FCGR3", "RP11-782C8.1", "SEPTIN77", "TP53X"]
    result = bt.Gene.inspect(values, field="symbol")
    assert result.validated == ["AK3"]  # HGNC's previous symbol of AK4, now another gene's
    assert _suggested(result, "SEPT7") == [("synonym", "SEPTIN7")]
    assert _suggested(result, "AK3L1") == [("ambiguous", "AK3"), ("ambiguous", "AK4")]
    assert _suggested(result, "FCGR3") == [("ambiguous", "FCGR3A"), ("ambiguous", "FCGR3B")]
    for unknown in ("RP11-782C8.1", "SEPTIN77", "TP53X"):  # no fuzzy guess at another gene
        assert result.suggestions[unknown] == []
    assert bt.Gene.standardize(["AK3L1", "FCGR3", "AK3"], return_mapper=True) == {}

    septin7 = bt.Gene.get(symbol="SEPTIN7")
    assert {"SEPT7", "CDC10"} <= set(septin7.synonyms.split("|"))
    public = bt.Gene.public()  # the same history without importing
    assert public.standardize(["SEPT7", "AK3L1"]) == ["SEPTIN7", "AK3L1"]
    # other registries keep their fuzzy suggestions
    assert bt.CellType.vocabulary().fuzzy and not bt.Gene.vocabulary().fuzzy


def test_every_past_name_maps_to_its_own_gene_or_is_left_when_shared(sqlite_instance):
    """Over every synonym the import stored: standardize gives the symbol of the gene that
    holds it, or leaves it when several genes hold it or share its symbol; every current symbol
    standardizes to itself."""
    bt.Gene.import_source(organism="human")
    synonyms = bt.Gene.synonym_table
    with current_instance().read() as session:
        rows = session.execute(
            select(synonyms.c.text, synonyms.c.scope, bt.Gene.symbol).join(
                bt.Gene, bt.Gene.id == synonyms.c.record_id
            )
        ).all()
        symbols = list(session.execute(select(bt.Gene.symbol)).scalars())
    assert {scope for _text, scope, _symbol in rows} == {"approved", "previous", "alias"}
    owners: dict[str, set[str]] = defaultdict(set)
    for text, _scope, symbol in rows:
        owners[text].add(symbol)
    texts = sorted(owners)
    # a symbol several genes have is ambiguous itself, so its past names are left too
    shared_symbols = {symbol for symbol, count in Counter(symbols).items() if count > 1}
    expected = [
        next(iter(owners[t])) if len(owners[t]) == 1 and not owners[t] & shared_symbols else t
        for t in texts
    ]
    vocabulary = bt.Gene.vocabulary()
    assert vocabulary.standardize(texts) == expected
    assert sum(len(owners[t]) > 1 for t in texts) > 1000  # HGNC names many shared aliases
    assert vocabulary.standardize(symbols) == symbols
    assert not set(texts) & set(symbols)


def test_mouse_synonyms_and_human_ones_live_side_by_side(sqlite_instance):
    bt.Gene.import_source(organism="human")
    bt.Gene.import_source(organism="mouse")
    assert bt.Gene.standardize(["Sept7", "Igj", "H2afy", "SEPT7", "IGJ", "H2AFY"]) == [
        *["Septin7", "Jchain", "Macroh2a1"],
        *["SEPTIN7", "JCHAIN", "MACROH2A1"],
    ]
    result = bt.Gene.inspect(["Npn1", "sept7", "Sur2"])
    assert _suggested(result, "Npn1") == [("ambiguous", "Dnm3os"), ("ambiguous", "Nrp1")]
    # past names of both organisms are not told apart without an organism scope
    assert _suggested(result, "sept7") == [("ambiguous", "SEPTIN7"), ("ambiguous", "Septin7")]
    assert [value for _kind, value in _suggested(result, "Sur2")] == ["Abcc9", "MED23", "Med23"]


def test_installing_the_history_later_completes_the_imported_genes(sqlite_instance, monkeypatch):
    """Genes imported without the history get it on the next import once it is installed:
    the source's content hash covers its history."""
    from ontolake.ontology_sources import gene_history

    missing = gene_history.HistoryTable("HGNC", "package:no-such-history-package/genes.parquet")
    monkeypatch.setitem(gene_history.HISTORY_TABLES, "human", missing)
    without = bt.Gene.import_source(organism="human")
    first = (without.id, without.version, without.hash)
    assert bt.Gene.standardize(["SEPT7"]) == ["SEPT7"]
    monkeypatch.undo()
    again = bt.Gene.import_source(organism="human")
    assert (again.id, again.version) == first[:2]
    assert again.hash != first[2]
    assert bt.Gene.standardize(["SEPT7"]) == ["SEPTIN7"]
