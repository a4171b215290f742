"""``describe()``: a readable tree of a record's fields, storage, versions, values and links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect

if TYPE_CHECKING:
    from rich.tree import Tree

__all__ = ["describe", "describe_tree"]

_HIDDEN = {"id", "uid", "stem_uid", "created_by_id", "storage_id", "revises_id"}
_SHOWN_LINKS = 5


def describe(record: Any) -> None:
    """Print the tree of ``record`` to the terminal.

    Example:
        >>> ol.Artifact.get(key="raw/sample.fasta").describe()  # doctest: +ELLIPSIS
        Artifact ...0001
        ├── fields
        │   ├── key: raw/sample.fasta
        │   ├── description: reads
        │   ├── suffix: .fasta
        │   ├── size: 34 B
        │   ├── hash: 3691f7ca153ceb3d0131648e1f55f0e812af40d059487dda15518b9d63053080
        │   ├── in_place: False
        │   ├── version: 1
        │   ├── is_latest: True
        │   ├── is_trashed: False
        │   ├── created_at: ...
        │   └── created_by: ...
        ├── storage
        │   ├── .../data
        │   └── path: ...
        ├── versions
        │   └── v1 ...0001 ... (latest)
        ├── provenance
        │   ├── run: none (saved outside a tracked run)
        │   └── created_by: ...
        └── ulabels (1)
            └── ULabel(uid='...', name='batch 7')
    """
    from rich.console import Console

    Console().print(describe_tree(record))


def describe_tree(record: Any) -> Tree:
    """The rich tree of ``record``: its fields, then each kind of link with a count."""
    from rich.markup import escape
    from rich.tree import Tree

    model = type(record)
    tree = Tree(f"[bold]{model.__name__}[/bold] {record.uid}")
    fields = tree.add("[bold]fields[/bold]")
    mapper = inspect(model)
    for column in mapper.columns:
        value = getattr(record, column.key)
        if column.key in _HIDDEN or column.key.endswith("_id") or value is None:
            continue
        if column.key == "size" and isinstance(value, int):
            value = _human_size(value)
        fields.add(f"{column.key}: {escape(str(value))}")
    creator = getattr(record, "created_by", None)
    if creator is not None:
        fields.add(f"created_by: {escape(creator.handle)}")
    if hasattr(record, "storage") and record.storage is not None:
        storage = tree.add("[bold]storage[/bold]")
        storage.add(escape(record.storage.root))
        storage.add(f"path: {escape(record.path)}")
    if hasattr(record, "versions") and record.id is not None:
        versions = tree.add("[bold]versions[/bold]")
        for version in record.versions:
            marker = " (latest)" if version.is_latest else ""
            marker += " (trashed)" if getattr(version, "is_trashed", False) else ""
            versions.add(
                f"v{version.version} {version.uid} {escape(str(version.created_at))}{marker}"
            )
    shown = _add_provenance(tree, record)
    _add_features(tree, record)
    for relationship in mapper.relationships:
        if relationship.key in ("created_by", "storage", *shown) or record.id is None:
            continue
        _add_links(tree, relationship.key, getattr(record, relationship.key))
    return tree


def _add_provenance(tree: Tree, record: Any) -> tuple[str, ...]:
    """Add where an artifact or run came from; return the links it covered."""
    from rich.markup import escape

    from ontolake.registries.artifact import Artifact
    from ontolake.registries.lineage import Run

    if isinstance(record, Artifact):
        run = record.run
    elif isinstance(record, Run):
        run = record
    else:
        return ()
    branch = tree.add("[bold]provenance[/bold]")
    creator = getattr(record, "created_by", None)
    if run is None:
        branch.add("run: none (saved outside a tracked run)")
    else:
        transform = run.transform
        branch.add(
            f"transform: {escape(transform.key)} v{transform.version} ({transform.kind}) "
            f"{transform.uid}"
        )
        if run is not record:
            branch.add(f"run: {run.uid} {run.status} started {escape(str(run.started_at))}")
        if run.initiated_by_run is not None:
            parent = run.initiated_by_run
            branch.add(f"initiated by: run {parent.uid} of {escape(parent.transform.key)}")
        if run.params:
            branch.add(f"params: {escape(repr(run.params))}")
    if creator is not None:
        branch.add(f"created_by: {escape(creator.handle)}")
    if run is not None:
        _add_links(branch, "inputs", list(run.inputs))
    return ("run", "transform", "inputs", "initiated_by_run")


def _add_features(tree: Tree, record: Any) -> None:
    """Add the feature values of an artifact, run or record, if it has any."""
    from rich.markup import escape

    from ontolake.registries.feature_values import get_values, value_table

    if record.id is None or value_table(type(record)) is None:
        return
    values = get_values(record)
    if values:
        branch = tree.add("[bold]features[/bold]")
        for name, value in values.items():
            branch.add(f"{escape(name)}: {escape(str(value))}")


def _add_links(tree: Tree, name: str, value: Any) -> None:
    from rich.markup import escape

    from ontolake.registries.relations import Related

    if value is None or (isinstance(value, (list, Related)) and not value):
        return
    if not isinstance(value, (list, Related)):
        tree.add(f"[bold]{name}[/bold]: {escape(repr(value))}")
        return
    branch = tree.add(f"[bold]{name}[/bold] ({len(value)})")
    for linked in value[:_SHOWN_LINKS]:
        branch.add(escape(repr(linked)))
    if len(value) > _SHOWN_LINKS:
        branch.add(f"… {len(value) - _SHOWN_LINKS} more")


def _human_size(size: int) -> str:
    amount = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if amount < 1000 or unit == "TB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{size} B"
