"""Built-in schemas, usable by name wherever a schema is expected.

- ``valid_features``: every column of a DataFrame must be a saved :class:`~ontolake.Feature`
  and is validated by that feature's dtype.
- ``ensembl_gene_ids_and_valid_features_in_obs``: an AnnData whose ``obs`` columns are
  ``valid_features`` and whose ``var`` index holds Ensembl gene ids of the Gene registry.
- ``cellxgene``: the CELLxGENE single-cell convention (:mod:`ontolake.schemas.cellxgene`),
  checked by :class:`~ontolake.curate.cellxgene.CellxgeneCurator`; it is a set of rules over
  ontologies rather than a :class:`~ontolake.Schema` record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ontolake.errors import DoesNotExistError

if TYPE_CHECKING:
    from ontolake.registries.schema import Schema

__all__ = ["BUILTIN_SCHEMAS", "CELLXGENE", "builtin_schema", "schema_by_name"]

CELLXGENE = "cellxgene"
BUILTIN_SCHEMAS = ("valid_features", "ensembl_gene_ids_and_valid_features_in_obs", CELLXGENE)
"""The names :func:`builtin_schema` knows."""


def builtin_schema(name: str) -> Schema:
    """The saved built-in schema ``name``, created on first use.

    Raises:
        DoesNotExistError: ``name`` is no built-in schema, or is ``cellxgene`` (use
            :class:`~ontolake.curate.cellxgene.CellxgeneCurator`).

    Example:
        >>> schema = builtin_schema("valid_features")  # each column a saved Feature
        >>> ol.curate.DataFrameCurator(df.loc[["c1", "c3"]], schema).validate()  # valid: None
        >>> try:
        ...     ol.curate.DataFrameCurator(df, schema).validate()
        ... except ol.errors.ValidationError as error:
        ...     print([(issue.column, issue.kind) for issue in error.report.issues])
        [('cell_type', 'invalid_values')]
    """
    from ontolake.registries.features import Feature
    from ontolake.registries.schema import Schema

    if name == CELLXGENE:
        raise DoesNotExistError(
            "The cellxgene convention is checked by ol.curate.CellxgeneCurator(adata) or "
            "`curate validate data.h5ad --schema cellxgene`, not by a Schema record."
        )
    if name not in BUILTIN_SCHEMAS:
        raise DoesNotExistError(
            f"{name!r} is no built-in schema; built-in: {', '.join(BUILTIN_SCHEMAS)}."
        )
    saved = Schema.filter(name=name).one_or_none()
    if saved is not None:
        return saved
    obs = Schema(
        name="valid_features",
        itype=Feature,
        flexible=True,
        minimal_set=False,
        description="Every column is a saved Feature, validated by its dtype.",
    )
    if name == "valid_features":
        return obs.save()
    return Schema(
        name=name,
        otype="AnnData",
        slots={"obs": obs, "var.T": Schema(itype="bio.Gene.ontology_id")},
        description="obs columns are saved Features; the var index holds Ensembl gene ids.",
    ).save()


def schema_by_name(name: str) -> Schema:
    """A built-in schema, or else the saved schema called ``name``.

    Raises:
        DoesNotExistError: neither; the message lists the built-in names.

    Example:
        >>> schema_by_name("valid_features").itype
        'Feature'
    """
    from ontolake.registries.schema import Schema

    if name in BUILTIN_SCHEMAS:
        return builtin_schema(name)
    found = Schema.filter(name=name).one_or_none()
    if found is None:
        raise DoesNotExistError(
            f"No saved schema is named {name!r} and it is no built-in schema "
            f"({', '.join(BUILTIN_SCHEMAS)}): list saved ones with "
            "ol.Schema.filter().to_dataframe(), or load a file with ol.Schema.from_yaml(path)."
        )
    return found
