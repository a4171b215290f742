"""Schemas: the features of a dataset, how strictly the set is checked, and composition.

A schema lists features (or names the registry its column names come from) and composes
into slots of AnnData, MuData and SpatialData. It is saved with a content hash over
everything that decides validation (its name, the features' names and dtypes, column
checks, the set rules, itype, otype, index and slots), so saving an identical schema twice
returns the stored one. Features that are not saved yet are saved with the schema (a
feature name taken with another dtype is an error).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ontolake.errors import InvalidDataError
from ontolake.registries.base import Base, JSONType, Registry
from ontolake.registries.label_scope import LabelScope, normalised_organism
from ontolake.registries.relations import Related

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.features import Feature

__all__ = ["OTYPES", "Schema", "schema_component", "schema_feature"]

OTYPES = ("DataFrame", "AnnData", "MuData", "SpatialData")
_ANNDATA_SLOTS = ("obs", "var", "var.T", "uns")

schema_feature = Table(
    "schema_feature",
    Base.metadata,
    Column("schema_id", Integer, ForeignKey("schemas.id", ondelete="CASCADE"), primary_key=True),
    Column("feature_id", Integer, ForeignKey("features.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("checks", JSONType),
    Index("ix_schema_feature_feature_id", "feature_id"),
)
schema_component = Table(
    "schema_component",
    Base.metadata,
    Column("composite_id", Integer, ForeignKey("schemas.id", ondelete="CASCADE"), primary_key=True),
    Column("slot", String(255), primary_key=True),
    Column("component_id", Integer, ForeignKey("schemas.id"), nullable=False),
    Index("ix_schema_component_component_id", "component_id"),
)


class Schema(Registry):
    """The features of a dataset, or the registry its names must come from, and set rules.

    Args:
        features: Features (saved or not), names of saved features, or pandera ``Column``
            objects (with a name; their checks are kept).
        itype: the registry field names are validated against instead of (or beyond) a
            feature list, e.g. ``ol.bio.Gene.ensembl_gene_id``, or ``ol.Feature`` for
            "columns must be defined features".
        otype: ``DataFrame``, ``AnnData``, ``MuData`` or ``SpatialData``.
        slots: component schemas by slot: ``obs``, ``var``, ``var.T``, ``uns`` of AnnData;
            ``<modality>:<slot>`` of MuData; ``<table>:<slot>`` and ``attrs`` of SpatialData.
        name: a name to find the schema by.
        index: a Feature the DataFrame index is validated as.
        minimal_set: every feature must be present.
        maximal_set: no other columns are allowed.
        ordered_set: columns must come in the features' order.
        coerce_dtype: convert columns to the features' dtypes before checking.
        flexible: other columns are allowed and validated when the itype knows them
            (default: True when no features are listed).
        dtype: the dtype of the values of an itype schema, e.g. ``num`` for expression.
        organism: the names of an ontology ``itype`` come from this organism's sources
            (``itype=ol.bio.Gene.symbol, organism="mouse"``: mouse gene symbols only).
        allow_obsolete: obsolete terms are valid names of the ``itype`` (by default they
            are not; a feature allows them with its own ``allow_obsolete``).
        checks: pandera ``Check`` objects on the whole DataFrame.
        column_checks: pandera ``Check`` objects by feature name, e.g.
            ``{"gc_content": [pa.Check.in_range(0, 1)]}``.

    Example:
        >>> import ontolake as ol
        >>> cell_type, n_genes = ol.Feature.get(name="cell_type"), ol.Feature.get(name="n_genes")
        >>> obs = ol.Schema(features=[cell_type, n_genes], maximal_set=True)
        >>> var = ol.Schema(itype=ol.bio.Gene.stable_id)
        >>> scrna = ol.Schema(otype="AnnData", name="scRNA", slots={"obs": obs, "var.T": var})
        >>> sorted(scrna.save().slots)
        ['obs', 'var.T']
    """

    __tablename__ = "schemas"
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "description")
    _repr_fields: ClassVar[tuple[str, ...]] = ("name", "otype", "itype", "n_members")

    name: Mapped[str | None] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    otype: Mapped[str | None] = mapped_column(String(32), index=True)
    itype: Mapped[str | None] = mapped_column(String(255), index=True)
    dtype: Mapped[str | None] = mapped_column(String(1024))
    n_members: Mapped[int | None]
    minimal_set: Mapped[bool] = mapped_column(default=True)
    maximal_set: Mapped[bool] = mapped_column(default=False)
    ordered_set: Mapped[bool] = mapped_column(default=False)
    coerce_dtype: Mapped[bool] = mapped_column(default=False)
    flexible: Mapped[bool] = mapped_column(default=False)
    organism: Mapped[str | None] = mapped_column(String(64))
    """The organism the names of the itype come from (None: any)."""
    allow_obsolete: Mapped[bool] = mapped_column(default=False)
    """Whether obsolete terms are valid names of the itype."""
    index_feature_id: Mapped[int | None] = mapped_column(ForeignKey("features.id"), index=True)
    checks: Mapped[list[Any] | None] = mapped_column(JSONType)
    """Serialised pandera checks on the whole DataFrame: ``[{"check": name, **statistics}]``."""

    index_feature: Mapped[Feature | None] = relationship(foreign_keys=[index_feature_id])
    artifacts: Mapped[Related[Artifact]] = relationship(
        back_populates="schema", passive_deletes=True
    )
    """The artifacts curated against this schema (deleting the schema unlinks them)."""

    def __init__(
        self,
        features: Sequence[Any] | None = None,
        *,
        itype: Any = None,
        otype: str | None = None,
        slots: Mapping[str, Schema] | None = None,
        name: str | None = None,
        description: str | None = None,
        index: Feature | None = None,
        minimal_set: bool = True,
        maximal_set: bool = False,
        ordered_set: bool = False,
        coerce_dtype: bool = False,
        flexible: bool | None = None,
        dtype: Any = None,
        organism: str | None = None,
        allow_obsolete: bool = False,
        checks: Sequence[Any] | None = None,
        column_checks: Mapping[str, Sequence[Any]] | None = None,
        **fields: Any,
    ) -> None:
        from ontolake.schemas.compose import members_of, normalised_itype, serialise_checks

        members, member_checks, live_checks = members_of(features or [], column_checks)
        if flexible is None:
            flexible = not members
        if maximal_set and flexible:
            raise InvalidDataError("A schema cannot be both maximal_set and flexible.")
        if otype is not None and otype not in OTYPES:
            raise InvalidDataError(f"otype {otype!r} is not one of {', '.join(OTYPES)}.")
        slots = dict(slots or {})
        _check_slots(otype, slots)
        if index is not None and not hasattr(index, "dtype"):
            raise InvalidDataError(f"index takes a Feature, got {index!r}.")
        super().__init__(
            name=name,
            description=description,
            otype=otype,
            itype=normalised_itype(itype),
            dtype=_dtype_text(dtype),
            n_members=len(members) if members else None,
            minimal_set=minimal_set,
            maximal_set=maximal_set,
            ordered_set=ordered_set,
            coerce_dtype=coerce_dtype,
            flexible=flexible,
            organism=normalised_organism(organism, f"Schema {name or ''}".strip()),
            allow_obsolete=bool(allow_obsolete),
            checks=serialise_checks(list(checks or []), strict=False) or None,
            **fields,
        )
        self._members: list[Feature] = members
        self._member_checks: dict[str, list[Any]] = member_checks
        self._live_checks: dict[str, list[Any]] = {**live_checks, "": list(checks or [])}
        self._slots: dict[str, Schema] = slots
        self._index: Feature | None = index
        self.hash = self.content_hash()

    # ---- members --------------------------------------------------------------------------
    @property
    def members(self) -> list[Feature]:
        """The features, in order."""
        if "_members" not in self.__dict__:
            self._load()
        return list(self.__dict__["_members"])

    @property
    def slots(self) -> dict[str, Schema]:
        """The component schemas by slot."""
        if "_slots" not in self.__dict__:
            self._load()
        return dict(self.__dict__["_slots"])

    @property
    def index(self) -> Feature | None:
        """The Feature the index is validated as."""
        if "_index" not in self.__dict__:
            self.__dict__["_index"] = self.index_feature
        return self.__dict__["_index"]  # type: ignore[no-any-return]

    def member_checks(self) -> dict[str, list[dict[str, Any]]]:
        """Serialised pandera checks per feature name (only features that have some)."""
        if "_member_checks" not in self.__dict__:
            self._load()
        return dict(self.__dict__["_member_checks"])

    def live_checks(self) -> dict[str, list[Any]]:
        """The pandera ``Check`` objects by feature name (``""``: the whole DataFrame)."""
        from ontolake.schemas.compose import deserialise_checks

        if "_live_checks" in self.__dict__:
            return dict(self.__dict__["_live_checks"])
        live = {name: deserialise_checks(specs) for name, specs in self.member_checks().items()}
        live[""] = deserialise_checks(self.checks or [])
        return live

    def _load(self) -> None:
        from ontolake.instance.session import current_instance
        from ontolake.registries.features import Feature

        members: list[Feature] = []
        checks: dict[str, list[Any]] = {}
        slots: dict[str, Schema] = {}
        if self.id is not None:
            with current_instance().read() as session:
                rows = session.execute(
                    select(Feature, schema_feature.c.checks)
                    .join(schema_feature, schema_feature.c.feature_id == Feature.id)
                    .where(schema_feature.c.schema_id == self.id)
                    .order_by(schema_feature.c.position)
                ).all()
                for feature, specs in rows:
                    members.append(feature)
                    if specs:
                        checks[feature.name] = list(specs)
                for slot, component in session.execute(
                    select(schema_component.c.slot, Schema)
                    .join(Schema, Schema.id == schema_component.c.component_id)
                    .where(schema_component.c.composite_id == self.id)
                    .order_by(schema_component.c.slot)
                ).all():
                    slots[slot] = component
        self.__dict__.update(_members=members, _member_checks=checks, _slots=slots)

    # ---- identity -------------------------------------------------------------------------
    def definition(self) -> dict[str, Any]:
        """What decides validation, as plain data (the input of the content hash)."""
        members: list[dict[str, Any]] = [{"name": f.name, "dtype": f.dtype} for f in self.members]
        member_checks = self.member_checks()
        for member in members:
            if member["name"] in member_checks:
                member["checks"] = member_checks[member["name"]]
        if not self.ordered_set:
            members.sort(key=lambda member: member["name"])
        index = self.index
        return {
            "name": self.name,
            "otype": self.otype,
            "itype": self.itype,
            "dtype": self.dtype,
            "features": members,
            "index": None if index is None else {"name": index.name, "dtype": index.dtype},
            "minimal_set": self.minimal_set,
            "maximal_set": self.maximal_set,
            "ordered_set": self.ordered_set,
            "coerce_dtype": self.coerce_dtype,
            "flexible": self.flexible,
            "checks": self.checks or [],
            "slots": {slot: s.definition() for slot, s in sorted(self.slots.items())},
            # only when set: the hashes of schemas without a scope stay what they were
            **self.name_scope.options(),
        }

    @property
    def name_scope(self) -> LabelScope:
        """The scope of the names of the itype (:mod:`ontolake.registries.label_scope`)."""
        return LabelScope(bool(self.allow_obsolete), self.organism)

    def content_hash(self) -> str:
        """The sha256 (hex, 32 characters) of the definition."""
        text = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    # ---- writes ---------------------------------------------------------------------------
    def before_save(self, session: Session) -> bool:
        """Return the stored schema's identity if identical; else save members and slots."""
        from ontolake.instance.engine import lock_names
        from ontolake.schemas.compose import require_serialisable

        if self.id is not None:
            return True
        lock_names(session, f"schema:{self.hash}")  # writers of one definition queue (PostgreSQL)
        existing = session.execute(select(Schema).where(Schema.hash == self.hash)).scalar()
        if existing is not None:
            for field in ("id", "uid", "created_at", "created_by_id", "description"):
                setattr(self, field, getattr(existing, field))
            self.__dict__["_stored"] = True
            return False
        require_serialisable(self)
        for feature in [*self.members, *([self.index] if self.index is not None else [])]:
            if feature.id is None and feature.before_save(session):
                session.add(feature)
        for component in self.slots.values():
            if component.id is None and component.before_save(session):
                session.add(component)
                session.flush()
                component.after_flush(session)
        session.flush()
        if self.index is not None:
            self.index_feature_id = self.index.id
        self.__dict__["_stored"] = False
        return True

    def after_flush(self, session: Session) -> None:
        """Insert the links to the features and the slot components."""
        if self.__dict__.get("_stored", True):
            return
        self.__dict__["_stored"] = True
        checks = self.member_checks()
        if self.members:
            session.execute(
                insert(schema_feature),
                [
                    {
                        "schema_id": self.id,
                        "feature_id": feature.id,
                        "position": position,
                        "checks": checks.get(feature.name),
                    }
                    for position, feature in enumerate(self.members)
                ],
            )
        if self.slots:
            session.execute(
                insert(schema_component),
                [
                    {"composite_id": self.id, "slot": slot, "component_id": component.id}
                    for slot, component in self.slots.items()
                ],
            )

    # ---- views ----------------------------------------------------------------------------
    def describe(self) -> None:
        """Print the schema: its rules, features (with dtypes) and slots, as a tree.

        Example:
            >>> ol.Schema.get(name="obs of scRNA").describe()  # doctest: +NORMALIZE_WHITESPACE
            ... # doctest: +ELLIPSIS
            Schema obs of scRNA ... hash=bd7d6ebf34c310829440ca7ce03bca47
            ├── minimal_set=True, maximal_set=False, ordered_set=False, coerce_dtype=False,
            │   flexible=False
            └── features (2)
                ├── cell_type: cat[bio.CellType]
                └── n_genes: int
        """
        from rich.console import Console

        from ontolake.schemas.compose import describe_tree

        Console().print(describe_tree(self))

    def to_pandera(self) -> Any:
        """A ``pandera.DataFrameSchema`` whose checks consult the registries.

        Composite schemas (with slots) give ``{slot: DataFrameSchema}``.

        Example:
            >>> checks = ol.Schema.get(name="obs of scRNA").to_pandera()
            >>> checks.validate(df.loc[["c1", "c3"]])["cell_type"].tolist()
            ['T cell', 'B cell']
        """
        from ontolake.schemas.pandera import to_pandera

        return to_pandera(self)

    @classmethod
    def from_pandera(
        cls, schema: Any, *, name: str | None = None, dtypes: Mapping[str, Any] | None = None
    ) -> Schema:
        """An ontolake schema from a ``pandera.DataFrameSchema`` or ``DataFrameModel``.

        Columns become features (``dtypes`` overrides the dtype of named columns, e.g. for
        categorical columns: ``{"cell_type": ol.bio.CellType}``); checks are kept.

        Example:
            >>> import pandera.pandas as pa
            >>> class Measurements(pa.DataFrameModel):
            ...     gc_content: float = pa.Field(ge=0, le=1)
            ...     reads: int
            >>> measurements = ol.Schema.from_pandera(Measurements, name="measurements").save()
            >>> [(member.name, member.dtype) for member in measurements.members]
            [('gc_content', 'float'), ('reads', 'int')]
        """
        from ontolake.schemas.pandera import from_pandera

        return from_pandera(schema, name=name, dtypes=dtypes)

    @classmethod
    def from_yaml(cls, path_or_text: Any, *, import_sources: bool = False) -> Schema:
        """A schema from a YAML file (or text) in the format documented in the README.

        With ``import_sources``, the ontology sources the file pins are imported first (a
        no-op for those already imported).

        Example:
            >>> _ = schema.to_yaml("obs.yaml")
            >>> ol.Schema.from_yaml("obs.yaml").name
            'obs of scRNA'
        """
        from ontolake.schemas.yaml import from_yaml

        return from_yaml(path_or_text, import_sources=import_sources)

    def to_yaml(self, path: Any = None) -> str:
        """This schema as YAML text (also written to ``path`` when given).

        Example:
            >>> print(schema.to_yaml())
            ontolake_schema: 1
            name: obs of scRNA
            sources:
            - entity: CellType
              name: cl
              version: v2026-03-26
              hash: ee9b84956ca31195a65f63b6e67e993d58fd3f5fb577a61536dfd122fba06dde
            minimal_set: true
            maximal_set: false
            ordered_set: false
            coerce_dtype: false
            flexible: false
            features:
            - name: cell_type
              dtype: cat[bio.CellType]
            - name: n_genes
              dtype: int
            <BLANKLINE>
        """
        from ontolake.schemas.yaml import to_yaml

        return to_yaml(self, path)


def _dtype_text(dtype: Any) -> str | None:
    if dtype is None:
        return None
    from ontolake.schemas.dtypes import parse_dtype

    return str(parse_dtype(dtype))


def _check_slots(otype: str | None, slots: dict[str, Schema]) -> None:
    if not slots:
        return
    if otype in (None, "DataFrame"):
        raise InvalidDataError(
            "Slots compose schemas of AnnData, MuData or SpatialData: pass otype= as well."
        )
    for slot, component in slots.items():
        if not isinstance(component, Schema):
            raise InvalidDataError(f"Slot {slot!r} takes a Schema, got {component!r}.")
        prefix, _, inner = slot.rpartition(":")
        valid = (
            (otype == "AnnData" and not prefix and inner in _ANNDATA_SLOTS)
            or (
                otype == "MuData"
                and (slot in ("obs", "uns") or (prefix and inner in _ANNDATA_SLOTS))
            )
            or (
                otype == "SpatialData" and (slot == "attrs" or (prefix and inner in _ANNDATA_SLOTS))
            )
        )
        if not valid:
            raise InvalidDataError(
                f"{otype} has no slot {slot!r}: AnnData has {', '.join(_ANNDATA_SLOTS)}; MuData "
                "obs, uns and '<modality>:<AnnData slot>'; SpatialData attrs and "
                "'<table>:<AnnData slot>'."
            )
