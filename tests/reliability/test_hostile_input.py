"""Hostile input, part 1: folder artifacts with symbolic links, and the query language.

Only ``OntolakeError`` subclasses come out, nothing outside a saved folder or the storage
root is read or written, and no field name or value reaches the database as SQL.

Symbolic links in a saved folder (the policy, see :mod:`ontolake.storage.hashing`):

- a link to a file or folder inside the folder is followed: the artifact stores a copy of
  what it points to;
- a link pointing outside the folder, a dangling link, a loop and a FIFO are refused with
  ``UnsafePathError`` naming the link and its target, before anything is copied.

The other parts are ``test_hostile_ontologies.py`` (malformed and huge ontology files) and
``test_hostile_schemas.py`` (malformed schema YAML).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

import ontolake as ol
from ontolake.errors import OntolakeError, UnsafePathError

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---- folder artifacts with symbolic links ---------------------------------------------------


def _files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (links not followed, SQLite's files left out)."""
    found: dict[str, bytes] = {}
    for directory, _, names in os.walk(root):
        for name in names:
            if name.startswith("ontolake.db"):
                continue
            path = Path(directory, name)
            found[path.relative_to(root).as_posix()] = (
                b"link:" + os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            )
    return found


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the one saved, holding a secret a link may try to smuggle in."""
    folder = tmp_path / "outside"
    (folder / "dir").mkdir(parents=True)
    (folder / "secret.txt").write_text("secret")
    (folder / "dir" / "more.txt").write_text("more secret")
    return folder


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    return folder


ESCAPES: dict[str, Callable[[Path, Path], tuple[Path, str]]] = {
    "file outside": lambda folder, outside: (
        folder / "leak.txt",
        str(outside / "secret.txt"),
    ),
    "relative file outside": lambda folder, outside: (
        folder / "sub" / "leak.txt",
        "../../outside/secret.txt",
    ),
    "folder outside": lambda folder, outside: (folder / "leak", str(outside / "dir")),
    "the parent folder": lambda folder, outside: (folder / "sub" / "up", "../.."),
    "dangling": lambda folder, outside: (folder / "gone.txt", "no-such-file.txt"),
    "loop to itself": lambda folder, outside: (folder / "sub" / "self", "."),
    "loop to its folder": lambda folder, outside: (folder / "sub" / "again", ".."),
    "two links in a loop": lambda folder, outside: (folder / "ping", "pong"),
}


def _make_dataset(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    return folder


def test_links_out_of_a_folder_dangling_or_looping_are_refused(
    sqlite_instance, tmp_path: Path, outside: Path
) -> None:
    root = Path(sqlite_instance.root.root)
    for case, make in sorted(ESCAPES.items()):
        dataset = _make_dataset(tmp_path / case.replace(" ", "-"))
        link, target = make(dataset, outside)
        link.symlink_to(target)
        if case == "two links in a loop":
            (dataset / "pong").symlink_to("ping")
        before = _snapshot(root)
        with pytest.raises(UnsafePathError) as caught:
            ol.Artifact(str(dataset), key="data/dataset").save()
        message = str(caught.value)
        assert link.name in message, case  # names the link ...
        assert "remove the link" in message, case  # ... and what to do
        assert ol.Artifact.filter().count() == 0
        assert _snapshot(root) == before, case  # nothing copied into storage, not even staged
        assert (outside / "secret.txt").read_text() == "secret"


def test_the_error_names_the_target_outside(sqlite_instance, dataset: Path, outside: Path) -> None:
    (dataset / "leak.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(UnsafePathError, match=r"leak\.txt.*secret\.txt.*outside the folder"):
        ol.Artifact(str(dataset), key="data/dataset").save()


def test_a_fifo_in_a_folder_is_refused_not_read_forever(sqlite_instance, dataset: Path) -> None:
    os.mkfifo(dataset / "pipe")
    with pytest.raises(UnsafePathError, match=r"pipe.*not a regular file"):
        ol.Artifact(str(dataset), key="data/dataset").save()


def test_links_inside_the_folder_are_stored_as_copies(sqlite_instance, dataset: Path) -> None:
    (dataset / "alias.txt").symlink_to("sub/b.txt")
    (dataset / "mirror").symlink_to("sub")
    artifact = ol.Artifact(str(dataset), key="data/dataset").save()
    expected = {
        "a.txt": b"a",
        "alias.txt": b"b",
        "mirror/b.txt": b"b",
        "sub/b.txt": b"b",
    }
    assert artifact.n_files == 4
    stored = Path(artifact.cache())
    assert _files_under(stored) == expected
    assert not any(path.is_symlink() for path in stored.rglob("*"))  # copies, not links
    assert stored.resolve().is_relative_to(Path(sqlite_instance.root.root))


def test_a_folder_given_through_a_link_is_saved(
    sqlite_instance, dataset: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link-to-dataset"
    link.symlink_to(dataset)
    (dataset / "alias.txt").symlink_to(dataset / "a.txt")  # absolute, but inside
    artifact = ol.Artifact(str(link), key="data/dataset").save()
    assert _files_under(Path(artifact.cache())) == {
        "a.txt": b"a",
        "alias.txt": b"a",
        "sub/b.txt": b"b",
    }


def test_a_file_given_through_a_link_stores_its_content(
    sqlite_instance, outside: Path, tmp_path: Path
) -> None:
    link = tmp_path / "notes.txt"
    link.symlink_to(outside / "secret.txt")
    artifact = ol.Artifact(str(link), key="notes/secret.txt").save()
    cached = Path(artifact.cache())
    assert cached.read_text() == "secret" and not cached.is_symlink()
    assert cached.resolve().is_relative_to(Path(sqlite_instance.root.root))
    (outside / "secret.txt").write_text("changed")  # the stored copy is independent
    assert Path(ol.Artifact.get(key="notes/secret.txt").cache()).read_text() == "secret"


def test_load_and_cache_write_nothing_outside_the_storage_and_cache(
    sqlite_instance, dataset: Path, tmp_path: Path, isolated_settings: Path
) -> None:
    artifact = ol.Artifact(str(dataset), key="data/dataset").save()
    csv = tmp_path / "table.csv"
    csv.write_text("a,b\n1,2\n")
    table = ol.Artifact(str(csv), key="tables/table.csv").save()
    allowed = (Path(sqlite_instance.root.root), isolated_settings)
    watched = tmp_path / "elsewhere"
    watched.mkdir()
    (watched / "keep.txt").write_text("keep")
    before = _snapshot(tmp_path)
    for _ in range(2):
        assert Path(artifact.cache()).resolve().is_relative_to(allowed[0])
        assert Path(table.cache()).resolve().is_relative_to(allowed[0])
        table.load()
    after = _snapshot(tmp_path)
    changed = {name for name in set(before) ^ set(after)} | {
        name for name in before.keys() & after.keys() if before[name] != after[name]
    }
    assert all(
        (tmp_path / name).resolve().is_relative_to(allowed[0])
        or (tmp_path / name).resolve().is_relative_to(allowed[1])
        for name in changed
    ), changed


# ---- the query language: field names and values as SQL --------------------------------------

INJECTIONS = [
    "'; DROP TABLE ulabels; --",
    '"; DROP TABLE ulabels; --',
    "1 OR 1=1",
    "' OR '1'='1",
    "name) OR (1=1",
    "%' OR name LIKE '%",
    "\\'; SELECT pg_sleep(5); --",
    "x'||(SELECT sqlite_version())||'",
    "$$; DROP TABLE ulabels; $$",
]

# Characters that mean something to SQL, to LIKE, to the lookup syntax and to JSON paths.
META = "abn_e%'\";-\\/()[]{}*.,=<>|$@#!?:` \t\n\x00\u202e\ufeffé中"
FIELD_NAMES = st.one_of(
    st.text(alphabet=META, max_size=20),
    st.sampled_from(INJECTIONS),
    st.builds(
        "{}__{}".format,
        st.sampled_from(["name", "description", "id", "created_at", "type", "links"]),
        st.text(alphabet=META, min_size=1, max_size=12),
    ),
)
VALUES = st.one_of(
    st.text(alphabet=META, max_size=20),
    st.sampled_from(INJECTIONS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.text(alphabet=META, max_size=5), max_size=3),
    st.none(),
)


def _tables_intact(instance, expected: set[str], labels: int) -> None:
    with instance.read() as session:
        assert set(inspect(session.connection()).get_table_names()) == expected
    assert ol.ULabel.filter().count() == labels


@pytest.fixture
def labelled(instance):
    ol.save([ol.ULabel(name=name) for name in ["batch 7", "it's", "a%b", "ulabels"]])
    with instance.read() as session:
        tables = set(inspect(session.connection()).get_table_names())
    assert {"ulabels", "runs"} <= tables
    return instance, tables


@FUZZ
@given(
    field=FIELD_NAMES,
    value=VALUES,
    text=st.one_of(st.text(alphabet=META, max_size=30), st.sampled_from(INJECTIONS)),
)
def test_any_field_name_and_value_is_a_query_error_or_data(labelled, field, value, text) -> None:
    instance, tables = labelled
    for call in (
        lambda: ol.ULabel.filter(**{field: value}).count(),
        lambda: ol.ULabel.exclude(**{field: value}).count(),
        lambda: ol.ULabel.filter().order_by(field).count(),
        lambda: ol.ULabel.filter().to_dataframe(include=field),
        lambda: ol.ULabel.search("batch", field=field).count(),
        lambda: ol.ULabel.lookup(field),
        lambda: ol.Run.filter(**{f"params__{field}": value}).count(),
    ):
        with contextlib.suppress(OntolakeError):
            call()
    for lookup in ("name", "name__contains", "name__istartswith", "name__in", "id", "id__gt"):
        try:
            found = ol.ULabel.filter(**{lookup: value}).count()
        except OntolakeError:
            continue
        assert found <= 1 or lookup in ("name__contains", "name__istartswith", "id__gt")
    ranked = ol.ULabel.search(text)
    assert {label.name for label in ranked} <= {"batch 7", "it's", "a%b", "ulabels"}
    _tables_intact(instance, tables, 4)


def test_sql_in_values_is_data_and_in_field_names_a_query_error(labelled) -> None:
    """Also regressions: a NUL ended SQLite's LIKE pattern (contains="\\x00" matched every
    row) and PostgreSQL refused it with a driver error; integers beyond 64 bits raised
    OverflowError from SQLite's driver. Both are QueryErrors now."""
    instance, tables = labelled
    for field in [
        "name; DROP TABLE ulabels",
        "name --",
        "name) OR (1=1",
        "name__x; --",
        "__class__",
    ]:
        with pytest.raises(ol.errors.QueryError):  # InvalidFieldError or a malformed lookup
            ol.ULabel.filter(**{field: 1}).count()
        with pytest.raises(ol.errors.QueryError):
            ol.ULabel.filter().order_by(field).count()
    for lookup in ["name", "name__contains", "name__istartswith", "name__in"]:
        value: object = ["a\x00b"] if lookup == "name__in" else "a\x00b"
        with pytest.raises(ol.errors.QueryError, match="NUL character"):
            ol.ULabel.filter(**{lookup: value}).count()
    for lookup, number in [("id", 2**63), ("id__lt", -(2**64)), ("id__in", [1, 2**70])]:
        with pytest.raises(ol.errors.QueryError, match="64-bit"):
            ol.ULabel.filter(**{lookup: number}).count()
    _tables_intact(instance, tables, 4)
    for count, payload in enumerate(INJECTIONS, start=5):
        assert ol.ULabel.filter(name=payload).count() == 0
        assert ol.ULabel.filter(name__contains=payload).count() == 0
        ol.ULabel(name=payload).save()
        assert ol.ULabel.filter(name=payload).one().name == payload
        assert ol.ULabel.filter(name__contains=payload).count() == 1
        assert next(iter(ol.ULabel.search(payload))).name == payload
        _tables_intact(instance, tables, count)


def test_links_inside_a_folder_are_uploaded_as_copies_to_s3(s3_bucket, tmp_path, dataset) -> None:
    """fsspec's upload listed a link to a folder as a file; the stored copy lost its files."""
    (tmp_path / "meta").mkdir()
    ol.init(storage=f"{s3_bucket}/lake", db=f"sqlite:///{tmp_path / 'meta' / 'ontolake.db'}")
    (dataset / "alias.txt").symlink_to("sub/b.txt")
    (dataset / "mirror").symlink_to("sub")
    artifact = ol.Artifact(str(dataset), key="data/dataset").save()
    assert artifact.n_files == 4
    assert _files_under(Path(artifact.cache())) == {
        "a.txt": b"a",
        "alias.txt": b"b",
        "mirror/b.txt": b"b",
        "sub/b.txt": b"b",
    }
