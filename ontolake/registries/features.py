"""Features: named, typed dimensions of metadata that records are annotated with.

``gc_content: float`` or ``cell_type: cat[bio.CellType]`` annotate artifacts, runs and
records, and queries filter by them. A feature's name is unique. Saving a feature whose
name is taken with the same dtype updates the stored definition (description, unit,
options); with another dtype it is an error, because stored values and schemas depend on
the dtype.
"""

from __future__ import annotations

import warnings
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ontolake.errors import FeatureDefinitionError, FeatureNameWarning
from ontolake.registries.base import JSONType, Registry
from ontolake.registries.label_scope import LabelScope, normalised_organism

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ontolake.schemas.dtypes import DType

__all__ = ["Feature"]

_UPDATABLE = ("description", "unit", "nullable", "coerce", "default_value", "cat_filters")


class Feature(Registry):
    """A named, typed feature to annotate artifacts, runs and records, and to build schemas.

    Args:
        name: unique; cannot contain ``__`` (it separates lookups in queries). A name that
            is also a field of Artifact, Run or Record (``key``, ``name``) warns with
            :class:`~ontolake.errors.FeatureNameWarning`: ``filter(key=...)`` means the
            field, and the feature is queried as ``filter(features__key=...)``.
        dtype: ``int``, ``float``, ``str``, ``bool``, ``date``, ``datetime``, ``dict``,
            ``list[...]``, ``int | float`` (``num``), a registry (``ol.ULabel``,
            ``ol.bio.CellType``), a registry field (``ol.bio.CellType.ontology_id``), a record
            type (``ol.Record(name="Sample", is_type=True)``), a list of registries (a union)
            or a dtype string such as ``"cat[bio.CellType.ontology_id]"``.
        description: free text.
        unit: the unit of numbers, e.g. ``"mg/ml"``.
        nullable: whether a value may be missing (in data frames) or None.
        coerce: convert values of another type when unambiguous (``"3"`` → 3).
        default_value: the value used when a value is missing.
        descendants_of: categorical features over an ontology only: the term (ontology id
            or name, or the record) whose descendants, and itself, are valid.
        source: categorical features over an ontology only: the source version valid terms
            must come from (a ``Source``, ``"cl@2025-04-10"`` or ``{"name", "version"}``).
        organism: categorical features over an ontology only: valid terms come from this
            organism's sources (``"mouse"``: the mouse gene table, MmusDv), so a value is
            checked against that organism only.
        allow_obsolete: categorical features over an ontology only: obsolete terms are
            valid too (by default they are not: ``inspect`` names their replacements).

    Example:
        >>> import ontolake as ol
        >>> ol.Feature(name="reads", dtype=int, unit="count").save()  # doctest: +ELLIPSIS
        Feature(uid='...', name='reads', dtype='int')
        >>> t_cell_type = ol.Feature(name="t_cell_type", dtype=ol.bio.CellType.ontology_id,
        ...                          descendants_of="CL:0000084").save()
        >>> t_cell_type.dtype
        'cat[bio.CellType.ontology_id]'
    """

    __tablename__ = "features"
    _search_fields: ClassVar[tuple[str, ...]] = ("name", "description")
    _repr_fields: ClassVar[tuple[str, ...]] = ("name", "dtype")

    name: Mapped[str] = mapped_column(String(255), unique=True)
    dtype: Mapped[str] = mapped_column(String(1024), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(64))
    nullable: Mapped[bool] = mapped_column(default=True)
    coerce: Mapped[bool] = mapped_column(default=False)
    default_value: Mapped[Any | None] = mapped_column(JSONType)
    cat_filters: Mapped[dict[str, Any] | None]
    """``{"descendants_of": "CL:0000084", "source": {"name": "cl", "version": "…"}}``, and
    the scope: ``{"organism": "mouse", "allow_obsolete": True}``."""

    def __init__(
        self,
        name: str | None = None,
        dtype: Any = None,
        *,
        description: str | None = None,
        unit: str | None = None,
        nullable: bool = True,
        coerce: bool = False,
        default_value: Any = None,
        descendants_of: Any = None,
        source: Any = None,
        organism: str | None = None,
        allow_obsolete: bool = False,
        **fields: Any,
    ) -> None:
        if name is None or dtype is None:
            raise FeatureDefinitionError(
                "A feature needs a name and a dtype, e.g. ol.Feature(name='gc_content', "
                "dtype=float)."
            )
        _check_name(name)
        parsed = _parse(name, dtype)
        scope = LabelScope(allow_obsolete, normalised_organism(organism, f"Feature {name!r}"))
        filters = _filters(name, parsed, descendants_of, source, scope)
        super().__init__(
            name=name,
            dtype=str(parsed),
            description=description,
            unit=unit,
            nullable=nullable,
            coerce=coerce,
            default_value=_default(name, parsed, default_value, coerce),
            cat_filters=filters or None,
            **fields,
        )

    @property
    def parsed_dtype(self) -> DType:
        """The dtype, parsed."""
        return _parsed(self.dtype)

    def before_save(self, session: Session) -> bool:
        """Refuse a dtype change; update the stored definition of a feature saved before."""
        from ontolake.instance.engine import lock_names

        if self.id is not None:
            return True
        lock_names(session, f"feature:{self.name}")  # writers of one name queue (PostgreSQL)
        existing = session.execute(select(Feature).where(Feature.name == self.name)).scalar()
        if existing is None:
            return True
        if existing.dtype != self.dtype:
            raise FeatureDefinitionError(
                f"Feature {self.name!r} is already defined with dtype {existing.dtype}, not "
                f"{self.dtype}: values and schemas depend on it. Use another name, or delete "
                f"the old feature first (ol.Feature.get(name={self.name!r})"
                ".delete(permanent=True), which also deletes its values)."
            )
        for field in _UPDATABLE:
            setattr(existing, field, getattr(self, field))
        for field in ("id", "uid", "created_at", "created_by_id"):
            setattr(self, field, getattr(existing, field))
        return False

    def delete(self, permanent: bool = False) -> None:
        """Delete the feature; refused while a schema lists it.

        Features have no trash: a feature that holds values is deleted, with all of them,
        only with ``permanent=True`` (else ``IntegrityError`` says how many it holds).

        Example:
            >>> ol.Feature.get(name="gc_content").delete(permanent=True)
            >>> ol.Feature.filter(name="gc_content").exists()
            False
        """
        from sqlalchemy import or_

        from ontolake.errors import IntegrityError
        from ontolake.instance.session import current_instance
        from ontolake.registries.schema import Schema, schema_feature

        listed = select(schema_feature.c.schema_id).where(schema_feature.c.feature_id == self.id)
        with current_instance().read() as session:
            names = session.execute(
                select(Schema.name, Schema.uid).where(
                    or_(Schema.id.in_(listed), Schema.index_feature_id == self.id)
                )
            ).all()
        if names:
            shown = ", ".join(repr(name or uid) for name, uid in names[:10])
            raise IntegrityError(
                f"Feature {self.name!r} is part of schema(s) {shown}: delete those schemas "
                "first (ol.Schema.get(...).delete())."
            )
        super().delete(permanent=permanent)

    def describe(self) -> None:
        """Print the feature's definition."""
        from rich.console import Console
        from rich.markup import escape
        from rich.tree import Tree

        tree = Tree(f"[bold]Feature[/bold] {escape(self.name)} {self.uid}")
        tree.add(f"dtype: {escape(self.dtype)}")
        for field in ("unit", "description", "default_value", "cat_filters"):
            value = getattr(self, field)
            if value is not None:
                tree.add(f"{field}: {escape(str(value))}")
        tree.add(f"nullable: {self.nullable}, coerce: {self.coerce}")
        Console().print(tree)


@lru_cache(maxsize=512)
def _parsed(text: str) -> DType:
    from ontolake.schemas.dtypes import parse_dtype

    return parse_dtype(text)


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise FeatureDefinitionError(
            f"Feature names are non-empty strings without surrounding spaces, got {name!r}."
        )
    if "__" in name or len(name) > 255:
        raise FeatureDefinitionError(
            f"Feature name {name!r} is not allowed: at most 255 characters and no '__' (which "
            "separates lookups, as in gc_content__gte=0.5)."
        )
    owners = _fields_named(name)
    if owners:
        warnings.warn(
            f"Feature name {name!r} is also a field of {' and '.join(owners)}: "
            f"filter({name}=...) means the field; query the feature as "
            f"filter(features__{name}=...).",
            FeatureNameWarning,
            stacklevel=3,
        )


def _fields_named(name: str) -> list[str]:
    """The registries annotated with features whose queries take ``name`` as a field."""
    return _field_owners().get(name, [])


@lru_cache(maxsize=1)
def _field_owners() -> dict[str, list[str]]:
    """Field name → the registries with feature values that have it (``pk``: every one)."""
    from ontolake.registries.feature_query import FEATURE_NAMESPACE
    from ontolake.registries.models import Artifact, Record, Run
    from ontolake.registries.query.lookups import field_names

    owners: dict[str, list[str]] = {"pk": ["every registry"], FEATURE_NAMESPACE: ["every registry"]}
    for model in (Artifact, Run, Record):
        for field in field_names(model):
            owners.setdefault(field, []).append(model.__name__)
    return owners


def _parse(name: str, dtype: Any) -> DType:
    from ontolake.errors import DtypeError
    from ontolake.schemas.dtypes import parse_dtype

    try:
        return parse_dtype(dtype)
    except DtypeError as error:
        raise DtypeError(f"Feature {name!r}: {error}") from None


def _filters(
    name: str, dtype: DType, descendants_of: Any, source: Any, scope: LabelScope
) -> dict[str, Any]:
    """The categorical filters and scope, checked against the dtype."""
    if descendants_of is None and source is None and scope == LabelScope():
        return {}
    ontology_targets = [target for target in dtype.targets if hasattr(target.model, "parent_table")]
    if not ontology_targets:
        raise FeatureDefinitionError(
            f"Feature {name!r}: descendants_of, source, organism and allow_obsolete filter "
            f"ontology terms; its dtype {dtype} names no ontology registry (such as "
            "bio.CellType)."
        )
    filters: dict[str, Any] = scope.options()
    if descendants_of is not None:
        if not isinstance(descendants_of, str):
            descendants_of = getattr(descendants_of, "ontology_id", None) or getattr(
                descendants_of, "name", None
            )
        if not isinstance(descendants_of, str) or not descendants_of:
            raise FeatureDefinitionError(
                f"Feature {name!r}: descendants_of takes an ontology id, a name or a record."
            )
        filters["descendants_of"] = descendants_of
    if source is not None:
        filters["source"] = source_pin(source, f"Feature {name!r}")
    return filters


def source_pin(source: Any, where: str) -> dict[str, str]:
    """``{"name", "version"}`` of a Source record, a ``"name@version"`` string or a mapping."""
    if isinstance(source, str) and "@" in source:
        name, version = source.split("@", 1)
        pin = {"name": name.strip(), "version": version.strip()}
    elif isinstance(source, dict):
        pin = {"name": str(source.get("name", "")), "version": str(source.get("version", ""))}
    else:
        pin = {
            "name": str(getattr(source, "name", "")),
            "version": str(getattr(source, "version", "")),
        }
    if not pin["name"] or not pin["version"]:
        raise FeatureDefinitionError(
            f"{where}: source takes a Source record, 'name@version' (e.g. 'cl@2025-04-10') "
            f"or {{'name': ..., 'version': ...}}; got {source!r}."
        )
    return pin


def _default(name: str, dtype: DType, value: Any, coerce: bool) -> Any:
    """The default value as JSON (dates as ISO strings), checked against the dtype."""
    if value is None:
        return None
    from ontolake.schemas.values import coerce_scalar

    values = list(value) if dtype.is_list and isinstance(value, (list, tuple)) else [value]
    checked = []
    for item in values:
        if dtype.is_categorical:
            if not isinstance(item, str):
                raise FeatureDefinitionError(
                    f"Feature {name!r}: a categorical default value is a string, got {item!r}."
                )
            checked.append(item)
            continue
        try:
            item = coerce_scalar(dtype.kind, item, coerce=coerce)
        except ValueError as error:
            raise FeatureDefinitionError(f"Feature {name!r}: default_value {error}.") from None
        checked.append(item.isoformat() if isinstance(item, date) else item)
    return checked if dtype.is_list else checked[0]
