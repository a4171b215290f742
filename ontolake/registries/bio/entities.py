"""The bio registries: ontology-backed entities plus genes, proteins and cell markers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from ontolake.registries.base import Registry, Trashable
from ontolake.registries.bio.term import OntologyTerm

if TYPE_CHECKING:
    from ontolake.ontology_sources.terms import Term
    from ontolake.registries.bio.source import Source

__all__ = [
    "CellLine",
    "CellMarker",
    "CellType",
    "DevelopmentalStage",
    "Disease",
    "Ethnicity",
    "ExperimentalFactor",
    "Gene",
    "Organism",
    "Pathway",
    "Phenotype",
    "Protein",
    "Tissue",
]


class Organism(OntologyTerm):
    """Organisms (NCBI Taxonomy), e.g. ``NCBITaxon:9606`` "Homo sapiens"."""

    __tablename__ = "organisms"
    _entity = "Organism"


class CellType(OntologyTerm):
    """Cell types (Cell Ontology, CL), e.g. ``CL:0000084`` "T cell"."""

    __tablename__ = "cell_types"
    _entity = "CellType"


class CellLine(OntologyTerm):
    """Cell lines (Cell Line Ontology, CLO)."""

    __tablename__ = "cell_lines"
    _entity = "CellLine"


class Tissue(OntologyTerm):
    """Tissues and anatomical structures (UBERON)."""

    __tablename__ = "tissues"
    _entity = "Tissue"


class Disease(OntologyTerm):
    """Diseases (MONDO)."""

    __tablename__ = "diseases"
    _entity = "Disease"


class Phenotype(OntologyTerm):
    """Phenotypes (Human Phenotype Ontology, PATO)."""

    __tablename__ = "phenotypes"
    _entity = "Phenotype"


class Pathway(OntologyTerm):
    """Pathways (Gene Ontology, PW)."""

    __tablename__ = "pathways"
    _entity = "Pathway"


class ExperimentalFactor(OntologyTerm):
    """Assays and experimental factors (EFO)."""

    __tablename__ = "experimental_factors"
    _entity = "ExperimentalFactor"


class DevelopmentalStage(OntologyTerm):
    """Developmental stages (HsapDv, MmusDv)."""

    __tablename__ = "developmental_stages"
    _entity = "DevelopmentalStage"


class Ethnicity(OntologyTerm):
    """Ancestry and ethnicity (HANCESTRO)."""

    __tablename__ = "ethnicities"
    _entity = "Ethnicity"


class Gene(OntologyTerm):
    """Genes by Ensembl id, e.g. ``ENSG00000141510`` (TP53); ``name`` is the symbol.

    ``ontology_id`` holds the Ensembl gene id and ``stable_id`` the same id: Ensembl's stable
    id, without version. ``ensembl_gene_id`` is another name of ``ontology_id`` that works
    wherever a field does (``Gene.filter(ensembl_gene_id__in=[...])``,
    ``Schema(itype=Gene.ensembl_gene_id)``, ``cat[bio.Gene.ensembl_gene_id]``). Ids are
    compared without version: ``ENSG00000141510.19`` is not a valid value, its suggestion
    (kind ``version``) is ``ENSG00000141510`` and ``standardize`` drops the suffix, whatever
    the version (the gene tables name one release, e.g. GENCODE 48, not a version per id).
    Human and mouse genes carry their past names as synonyms (HGNC previous symbols and
    aliases, MGI synonyms: :mod:`ontolake.ontology_sources.gene_history`), so a retired or
    renamed symbol standardizes to the current one (``SEPT7`` → ``SEPTIN7``) and one that
    several genes had is reported as ambiguous with every candidate. Gene symbols get no
    fuzzy suggestions: they are codes, and a symbol one letter away names an unrelated gene
    (``CARS`` is not ``AR``), so only exact, case, version, previous-symbol and alias
    matches are suggested.
    """

    __tablename__ = "genes"
    _entity = "Gene"
    versioned_id = r"(?P<id>ENS[A-Z]*G\d{11})\.\d+"
    fuzzy_suggestions = False
    _search_fields: ClassVar[tuple[str, ...]] = ("symbol", "ontology_id", "synonyms")
    _repr_fields: ClassVar[tuple[str, ...]] = ("symbol", "ensembl_gene_id")

    symbol: Mapped[str | None] = mapped_column(String(255), index=True)
    stable_id: Mapped[str | None] = mapped_column(String(128), index=True)
    biotype: Mapped[str | None] = mapped_column(String(64), index=True)
    organism_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisms.id", ondelete="SET NULL"), index=True
    )
    organism: Mapped[Organism | None] = relationship()
    ensembl_gene_id: Mapped[str | None] = synonym("ontology_id")
    """The Ensembl gene id: ``ontology_id`` under the name Ensembl and Bionty give it."""

    @classmethod
    def fields_from_term(cls, term: Term) -> dict[str, Any]:
        """The symbol, biotype and stable id (unversioned) of a gene-table row."""
        return {
            "symbol": term.name,
            "biotype": term.extra.get("biotype"),
            "stable_id": term.ontology_id,
        }


class Protein(Trashable, Registry):
    """Proteins by UniProtKB id."""

    __tablename__ = "proteins"
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "uniprotkb_id", "gene_symbol")
    _repr_fields: ClassVar[tuple[str, ...]] = ("name", "uniprotkb_id")

    name: Mapped[str | None] = mapped_column(String(1024), index=True)
    uniprotkb_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    gene_symbol: Mapped[str | None] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[Source | None] = relationship()


class CellMarker(Trashable, Registry):
    """Cell markers (surface proteins, genes) used to define cell populations, e.g. CD4."""

    __tablename__ = "cell_markers"
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "gene_symbol")
    _repr_fields: ClassVar[tuple[str, ...]] = ("name",)

    name: Mapped[str] = mapped_column(String(255), unique=True)
    gene_symbol: Mapped[str | None] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
