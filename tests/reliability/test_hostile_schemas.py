"""Hostile input, part 3: malformed schema YAML files.

Random YAML documents, mutated copies of a valid schema file and known traps (bytes that are
not UTF-8, deep nesting, aliases used inside themselves, duplicate keys, huge integers,
Python tags) give a schema or a ``SchemaFileError`` naming the file, never another error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import OntolakeError, SchemaFileError

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID = """\
ontolake_schema: 1
name: scRNA
otype: AnnData
slots:
  obs:
    maximal_set: true
    index: {name: barcode, dtype: str}
    features:
      - name: cell_type
        dtype: cat[bio.CellType]
      - name: n_genes
        dtype: int
        checks: [{check: greater_than_or_equal_to, min_value: 0}]
      - name: batch
        dtype: cat[ULabel]
        default_value: batch 1
  var.T: {itype: bio.Gene.stable_id, dtype: num}
"""

KEYS = [
    "ontolake_schema",
    "name",
    "description",
    "otype",
    "itype",
    "dtype",
    "minimal_set",
    "maximal_set",
    "sources",
    "index",
    "features",
    "checks",
    "slots",
    "check",
    "default_value",
    "nullable",
    "descendants_of",
    "entity",
    "version",
    "obs",
    "var.T",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["float", "cat[bio.CellType]", "cat[ULabel", "AnnData", "isin", "bio.X.y"]),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=5),
    ),
    max_leaves=25,
)


def _outcome(path: Path) -> None:
    try:
        ol.Schema.from_yaml(path)
    except SchemaFileError as error:
        assert str(path) in str(error)
    except OntolakeError as error:  # pragma: no cover - reported as a failure below
        pytest.fail(f"{type(error).__name__} instead of SchemaFileError: {error}")


@FUZZ
@given(document=DOCUMENTS)
def test_random_yaml_documents_are_schemas_or_schema_file_errors(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("yaml") / "schema.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    _outcome(path)


@FUZZ
@given(data=st.data())
def test_mutated_schema_files_are_schemas_or_schema_file_errors(tmp_path_factory, data):
    text = VALID.encode()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        junk = data.draw(
            st.one_of(
                st.binary(max_size=6),
                st.sampled_from([b":", b"- ", b"[", b"{", b"&a ", b"*a", b"!!", b"\t", b"\n  "]),
            )
        )
        if kind == "insert":
            text = text[:at] + junk + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 20)) :]
        else:
            text = text[:at] + junk + text[at + len(junk) :]
    path = tmp_path_factory.mktemp("yaml") / "schema.yaml"
    path.write_bytes(text)
    _outcome(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name: caf\xe9\n", r"not UTF-8 text \(byte 9"),  # was UnicodeDecodeError
        (b"features: " + b"[" * 3000 + b"]" * 3000, "nests too deeply"),  # was RecursionError
        (b"slots: &s {o: {slots: *s}}\n", "slots nest more than 32 levels"),  # RecursionError
        (b"ontolake_schema: 1" + b"0" * 5000, "Exceeds the limit"),  # was ValueError
        (b"name: a\nname: b\n", "found the key 'name' twice"),  # silently kept 'b'
        (b"features: []\nfeatures: [{name: x, dtype: flot}]\n", "found the key 'features'"),
        (b"name: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
        (b"name: a\x00b\n", "not valid YAML"),
        (
            b"a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
            b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nfeatures: *c\n",
            "unknown key 'a'",
        ),
        (b"features: &f [{name: x, dtype: float, checks: *f}]\n", "check"),
    ],
)
def test_known_traps_are_schema_file_errors(tmp_path, content, message):
    path = tmp_path / "trap.yaml"
    path.write_bytes(content)
    with pytest.raises(SchemaFileError, match=message) as caught:
        ol.Schema.from_yaml(path)
    assert str(path) in str(caught.value)


def test_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("features:\n  - &base {name: a, dtype: float}\n  - <<: *base\n    name: b\n")
    schema = ol.Schema.from_yaml(path)
    assert [feature.name for feature in schema.members] == ["a", "b"]


def test_long_values_are_cut_in_messages(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(f"maximal_set: {'x' * 100_000}\n")
    with pytest.raises(SchemaFileError, match="maximal_set must be bool") as caught:
        ol.Schema.from_yaml(path)
    assert len(str(caught.value)) < 400
