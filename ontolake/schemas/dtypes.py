"""Feature dtypes: parsed from Python types, registries, registry fields or a string grammar.

Every dtype has one canonical string, the form stored in the database and in schema files:

```
dtype   := "list[" base "]" | base
base    := "int" | "float" | "num" | "str" | "bool" | "date" | "datetime" | "dict"
         | "cat[" target ("|" target)* "]"
target  := registry ("[" record_type "]")? ("." field)?
registry:= "ULabel" | "Record" | "Project" | "bio." entity      (bio.CellType, bio.Gene …)
```

``num`` is any number (int or float). ``cat[bio.CellType.ontology_id]`` takes values of the
``ontology_id`` field of ``ol.bio.CellType`` (the field defaults to ``name``);
``cat[Record[Sample]]`` takes records of the Record type named ``Sample``; ``cat[A|B]`` takes
values of either registry (tried in order). A bare ``cat`` means ``cat[ULabel]``.

This module is a leaf: it imports no registry until a categorical dtype is resolved.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ontolake.errors import DtypeError

__all__ = [
    "KINDS",
    "CatTarget",
    "DType",
    "parse_dtype",
    "registry_class",
    "registry_name",
]

KINDS = ("int", "float", "num", "str", "bool", "date", "datetime", "dict", "cat")
"""The kinds of values a feature can hold."""

_PYTHON_TYPES: dict[Any, str] = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    date: "date",
    datetime: "datetime",
    dict: "dict",
}
_TARGET = re.compile(
    r"^(?P<registry>(?:bio\.)?[A-Za-z_]\w*)(?:\[(?P<type>[^\[\]|]+)\])?(?:\.(?P<field>[A-Za-z_]\w*))?$"
)
_GRAMMAR = (
    "int, float, num, str, bool, date, datetime, dict, cat[<registry>[.<field>]] "
    "(e.g. cat[bio.CellType.ontology_id], cat[ULabel], cat[Record[Sample]], "
    "cat[bio.CellType|bio.Tissue]) and list[<dtype>]"
)


@dataclass(frozen=True)
class CatTarget:
    """One registry (and field, and optionally a record type) a categorical dtype draws from."""

    registry: str
    """``ULabel``, ``Record``, ``bio.CellType`` …"""
    field: str = "name"
    type_name: str | None = None
    """The name of a record type (``Record[Sample]``): only records of that type are valid."""

    def __str__(self) -> str:
        text = self.registry + (f"[{self.type_name}]" if self.type_name else "")
        return text if self.field == "name" else f"{text}.{self.field}"

    @property
    def model(self) -> type[Any]:
        """The registry class."""
        return registry_class(self.registry)


@dataclass(frozen=True)
class DType:
    """A parsed feature dtype.

    Example:
        >>> str(parse_dtype("list[cat[bio.CellType.ontology_id]]"))
        'list[cat[bio.CellType.ontology_id]]'
        >>> parse_dtype(float).kind
        'float'
    """

    kind: str
    is_list: bool = False
    targets: tuple[CatTarget, ...] = ()

    def __str__(self) -> str:
        base = self.kind
        if self.kind == "cat":
            base = f"cat[{'|'.join(str(target) for target in self.targets)}]"
        return f"list[{base}]" if self.is_list else base

    @property
    def is_categorical(self) -> bool:
        """Whether values are labels from registries."""
        return self.kind == "cat"


def parse_dtype(spec: Any) -> DType:
    """The dtype of ``spec``.

    ``spec`` is a Python type, a registry, a registry field, a record type, a list of
    registries (a union) or a dtype string.

    Raises:
        DtypeError: ``spec`` is not a dtype; the message lists the valid ones.

    Example:
        >>> str(parse_dtype(list[int])), str(parse_dtype(int | float))
        ('list[int]', 'num')
        >>> str(parse_dtype("cat[ULabel|Record[Sample]]"))
        'cat[ULabel|Record[Sample]]'
    """
    if isinstance(spec, DType):
        return spec
    if isinstance(spec, str):
        return _parse_string(spec.strip())
    if isinstance(spec, type) and spec in _PYTHON_TYPES:
        return DType(_PYTHON_TYPES[spec])
    origin = typing.get_origin(spec)
    if origin is list:
        arguments = typing.get_args(spec)
        if len(arguments) != 1:
            raise DtypeError(f"list dtypes take one element type, e.g. list[str]; got {spec!r}.")
        return _listed(parse_dtype(arguments[0]), spec)
    if spec is list:
        raise DtypeError(
            "A list dtype needs its element type, e.g. list[str] or list[cat[ULabel]]."
        )
    if origin is typing.Union or isinstance(spec, types.UnionType):
        return _union(list(typing.get_args(spec)), spec)
    if isinstance(spec, (list, tuple)):
        return _union(list(spec), spec)
    return DType("cat", targets=(_target_of(spec),))


def _listed(element: DType, spec: Any) -> DType:
    if element.is_list:
        raise DtypeError(f"Lists of lists are not a feature dtype: {spec!r}.")
    if element.kind == "dict":
        raise DtypeError("list[dict] is not a feature dtype: use dict and put the list inside.")
    return replace(element, is_list=True)


def _union(members: list[Any], spec: Any) -> DType:
    if not members:
        raise DtypeError("An empty union is not a dtype: name at least one registry.")
    if all(member in (int, float) for member in members):
        return DType("num")
    parsed = [parse_dtype(member) for member in members]
    if any(not dtype.is_categorical or dtype.is_list for dtype in parsed):
        raise DtypeError(
            f"Unions are for categorical dtypes (registries), got {spec!r}: use num for "
            "int | float, or one dtype."
        )
    targets = tuple(dict.fromkeys(target for dtype in parsed for target in dtype.targets))
    return DType("cat", targets=targets)


def _target_of(spec: Any) -> CatTarget:
    """The categorical target of a registry class, registry field or record type."""
    from sqlalchemy.orm import DeclarativeBase

    if isinstance(spec, type) and issubclass(spec, DeclarativeBase):
        return _checked_target(CatTarget(registry_name(spec)))
    owner, key = getattr(spec, "class_", None), getattr(spec, "key", None)
    if isinstance(owner, type) and isinstance(key, str):  # a column such as bt.CellType.name
        return _checked_target(CatTarget(registry_name(owner), field=key))
    if isinstance(spec, DeclarativeBase) and hasattr(spec, "is_type"):
        if not spec.is_type:
            raise DtypeError(
                f"{spec!r} is not a type: pass a record made with is_type=True "
                f"(e.g. ol.Record(name='Sample', is_type=True)), or its registry."
            )
        name = str(getattr(spec, "name", ""))
        return _checked_target(CatTarget(registry_name(type(spec)), type_name=name))
    raise DtypeError(f"{spec!r} is not a feature dtype. Valid dtypes: {_GRAMMAR}.")


def _parse_string(text: str) -> DType:
    if text.startswith("list[") and text.endswith("]"):
        inner = text[5:-1].strip()
        if inner.startswith("list["):  # refused before recursing: any depth, at once
            shown = text if len(text) <= 60 else f"{text[:40]}…{text[-15:]}"
            raise DtypeError(f"Lists of lists are not a feature dtype: {shown!r}.")
        return _listed(_parse_string(inner), text)
    if text in KINDS:
        return DType("cat", targets=(CatTarget("ULabel"),)) if text == "cat" else DType(text)
    if text.startswith("cat[") and text.endswith("]"):
        inner = text[4:-1]
        targets = [_parse_target(part.strip(), text) for part in inner.split("|")]
        return DType("cat", targets=tuple(dict.fromkeys(targets)))
    close = difflib.get_close_matches(text, [*KINDS, "list[str]", "cat[ULabel]"], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DtypeError(f"Unknown dtype {text!r}.{hint} Valid dtypes: {_GRAMMAR}.")


def _parse_target(text: str, whole: str) -> CatTarget:
    match = _TARGET.match(text)
    if match is None:
        raise DtypeError(
            f"Malformed categorical {text!r} in dtype {whole!r}: write Registry, "
            "Registry.field or Registry[TypeName], e.g. cat[bio.CellType.ontology_id]."
        )
    return _checked_target(
        CatTarget(
            match["registry"], field=match["field"] or "name", type_name=match["type"] or None
        )
    )


def _checked_target(target: CatTarget) -> CatTarget:
    """``target`` if its registry, field and record type make sense; else a ``DtypeError``."""
    from ontolake.registries.query.lookups import column_names

    model = registry_class(target.registry)
    columns = column_names(model)
    if target.field not in columns:
        close = difflib.get_close_matches(target.field, columns, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DtypeError(
            f"{target.registry} has no field {target.field!r}.{hint} "
            f"Fields: {', '.join(sorted(columns))}."
        )
    if target.type_name is not None:
        if "is_type" not in columns:
            raise DtypeError(
                f"{target.registry} has no record types: write cat[{target.registry}]."
            )
        if any(character in target.type_name for character in "[]|"):
            raise DtypeError(f"A record type name in a dtype cannot hold [ ] or |: {target}.")
    return target


def _registries() -> dict[str, type[Any]]:
    import ontolake.registries.models as models
    from ontolake.registries import bio

    found = {name: getattr(models, name) for name in models.__all__ if name[0].isupper()}
    found.pop("Source", None)
    found.update({f"bio.{name}": getattr(bio, name) for name in bio.__all__})
    return found


def registry_class(name: str) -> type[Any]:
    """The registry class named ``name`` (``ULabel``, ``bio.CellType`` …).

    Example:
        >>> registry_class("bio.CellType").__name__
        'CellType'
    """
    registries = _registries()
    model = registries.get(name)
    if model is None:
        close = difflib.get_close_matches(name, list(registries), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DtypeError(
            f"No registry {name!r}.{hint} Registries: {', '.join(sorted(registries))}."
        )
    return model


def registry_name(model: type[Any]) -> str:
    """The name of registry ``model`` in dtypes: ``bio.CellType`` for bio registries."""
    name = model.__name__
    if model.__module__.startswith("ontolake.registries.bio"):
        name = f"bio.{name}"
    if _registries().get(name) is not model:
        raise DtypeError(f"{model.__name__} is not an ontolake registry.")
    return name
