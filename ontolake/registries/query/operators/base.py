"""The records of the lookup table and how one lookup becomes a condition on any target.

A lookup (``name__startswith="T"``) is an :class:`Operator`: a name, the kinds of values it
compares, the shape of value it takes and a function building the SQL condition from an
:class:`Operand`. Targets (a column, a key path into a JSON column, a feature's values) only
build operands; :func:`lookup_condition` does everything else the same way for all of them:
it checks the value's shape, handles None, applies each operand's guard and never matches
NULL unless the lookup asks for it (``isnull=True``, ``exact=None``, ``in`` with None), so
``exclude`` is the exact complement of ``filter`` on every target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy import and_, false, or_

from ontolake.errors import QueryError
from ontolake.registries.query.operators.sql import in_values

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

__all__ = [
    "ALL_KINDS",
    "ORDERED_KINDS",
    "Operand",
    "Operator",
    "Shape",
    "Target",
    "Transform",
    "check_storable",
    "lookup_condition",
]

ALL_KINDS = frozenset({"number", "text", "boolean", "datetime", "json", "record"})
"""Every kind of value a target holds: ``json`` is a list or dict inside a JSON column,
``record`` a label of a categorical feature given as a record."""
ORDERED_KINDS = frozenset({"number", "text", "datetime"})
"""The kinds with an order (``gt``, ``range``)."""

Shape = Literal["one", "list", "pair", "flag"]
"""What a lookup takes: one value, a list (``in``), ``(low, high)`` or a flag (``isnull``)."""


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Operand:
    """One SQL expression an operator compares, holding values of one kind.

    Attributes:
        expression: a column, a date part, the value at a JSON path, a typed value column.
        kind: the kind of its values (one of :data:`ALL_KINDS`).
        guard: true where ``expression`` holds a value of ``kind`` (NOT NULL, a JSON type).
        literal: a Python value as a SQL operand of ``expression`` (e.g. a JSON number).
        listed: ``expression IN values``; by default :func:`in_values`.

    Example:
        >>> from sqlalchemy import column
        >>> operand = Operand(column("n"), "number")
        >>> str(operand.expression > operand.bind(3))
        'n > :n_1'
    """

    expression: Any
    kind: str
    guard: ColumnElement[bool] | None = None
    literal: Callable[[Any], Any] = field(default=_as_is)
    listed: Callable[[Any, Sequence[Any]], ColumnElement[bool]] = field(default=in_values)

    def bind(self, value: Any) -> Any:
        """``value`` as the right-hand side of a comparison with :attr:`expression`."""
        return self.literal(value)

    def any_of(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """``expression IN values`` (no None among the values), for a list of any length."""
        return self.listed(self.expression, values)


@dataclass(frozen=True)
class Operator:
    """One lookup of the query language, for every kind of target.

    Attributes:
        name: the lookup as written after ``__`` (``"startswith"``).
        kinds: the kinds of values it compares; a target of another kind refuses it.
        condition: ``(operand, value) -> condition``; the value is what ``takes`` says (one
            value, a list, a ``(low, high)`` tuple), never None, already in the target's
            type. A ``flag`` operator gets the target's "holds no value" condition instead
            of an operand.
        takes: the shape of the value.
        matches_null: None is a value it may match (``exact=None`` and ``in`` with None
            match where the target holds nothing); otherwise None is refused.

    Example:
        >>> differs = Operator(
        ...     "differs", frozenset({"number"}), lambda operand, value: operand.expression != value
        ... )
        >>> differs.name, differs.takes
        ('differs', 'one')
    """

    name: str
    kinds: frozenset[str]
    condition: Callable[[Any, Any], ColumnElement[bool]]
    takes: Shape = "one"
    matches_null: bool = False


@dataclass(frozen=True)
class Transform:
    """A part of a value looked up in its place (``created_at__year=2026``).

    Attributes:
        name: the part as written after ``__`` (``"year"``).
        kinds: the kinds of values it applies to.
        apply: ``expression -> expression`` of the part.
        result: the kind of the part (what the lookup after it compares).
    """

    name: str
    kinds: frozenset[str]
    apply: Callable[[Any], Any]
    result: str


class Target(Protocol):
    """Where a lookup looks: a column, a JSON path or a feature; it builds the operands."""

    @property
    def name(self) -> str:
        """The field as the user wrote it, for messages (``"name"``, ``"params__lr"``)."""
        ...

    def missing(self) -> ColumnElement[bool]:
        """True where the record holds no value (NULL, a missing key, no value row)."""
        ...

    def operands(self, operator: Operator, values: list[Any]) -> list[tuple[Operand, list[Any]]]:
        """The operands ``values`` (no None) are compared on, each with its values.

        Raises QueryError for a value the target cannot hold; a value that no operand can
        hold equally (2.5 for an integer) may be left out, which makes it match nothing.
        """
        ...

    def having(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """The record-level condition for a condition on operands (a feature's value rows)."""
        ...


def lookup_condition(target: Target, operator: Operator, value: Any) -> ColumnElement[bool]:
    """The condition for ``<target>__<operator>=value``.

    Example:
        >>> from ontolake.registries.query.lookups import ColumnTarget
        >>> from ontolake.registries.query.operators import OPERATORS
        >>> target = ColumnTarget.of(ol.ULabel.name)
        >>> ol.ULabel.filter(lookup_condition(target, OPERATORS["startswith"], "batch")).count()
        1
    """
    if operator.takes == "flag":
        return operator.condition(target.missing(), value)
    values = _values(target.name, operator, value)
    check_storable(f"{target.name}__{operator.name}", values)
    if operator.kinds == {"text"} and not all(isinstance(item, str) for item in values):
        raise QueryError(f"{target.name}__{operator.name}= takes a string, got {value!r}.")
    known = [item for item in values if item is not None]
    if len(known) < len(values) and not operator.matches_null:
        raise QueryError(
            f"{target.name}__{operator.name}=None compares with nothing: use "
            f"{target.name}__isnull=True."
        )
    if operator.takes == "one" and not known:
        return target.missing()
    options = []
    for operand, items in target.operands(operator, known):
        if operator.takes == "pair" and len(items) != 2:
            continue  # low and high of different kinds: nothing lies between them
        argument: Any = items
        if operator.takes != "list":
            argument = items[0] if operator.takes == "one" else tuple(items)
        condition = operator.condition(operand, argument)
        options.append(condition if operand.guard is None else and_(operand.guard, condition))
    matched = target.having(or_(*options)) if options else false()
    return or_(matched, target.missing()) if len(known) < len(values) else matched


def _values(name: str, operator: Operator, value: Any) -> list[Any]:
    """The values of a lookup as a list, after checking its shape."""
    if operator.takes == "one":
        return [value]
    if operator.takes == "pair":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise QueryError(f"{name}__{operator.name}= takes (low, high), got {value!r}.")
        return list(value)
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise QueryError(f"{name}__{operator.name}= takes a list of values, got {value!r}.")
    return list(value)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def check_storable(lookup: str, values: Sequence[Any]) -> None:
    """Refuse values no database column holds, which each backend mishandles its own way.

    Integers beyond 64 bits overflow SQLite's driver. A NUL character cannot be stored in
    PostgreSQL text, and ends a SQLite LIKE pattern early (a ``contains`` lookup of a NUL
    matched every row).

    Example:
        >>> try:
        ...     check_storable("n__gt", [2**64])
        ... except QueryError as error:
        ...     print(str(error)[:64])
        n__gt=18446744073709551616 is outside the 64-bit integers the da
    """
    integers = [item for item in values if isinstance(item, int)]
    if integers and not _INT64_MIN <= min(integers) <= max(integers) <= _INT64_MAX:
        item = next(item for item in integers if not _INT64_MIN <= item <= _INT64_MAX)
        raise QueryError(
            f"{lookup}={item} is outside the 64-bit integers the database "
            f"stores ({_INT64_MIN} to {_INT64_MAX}): compare with a value in that range."
        )
    for item in values:
        if isinstance(item, str) and "\0" in item:
            raise QueryError(
                f"{lookup}={item!r} holds a NUL character (\\x00), which no stored "
                "text contains: remove it from the value."
            )
