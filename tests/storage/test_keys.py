from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ontolake.errors import InvalidKeyError
from ontolake.storage.keys import _DEFAULT_IGNORABLE, MAX_KEY_LENGTH, key_suffix, validate_key

_DRIVE_LIKE = re.compile(r"^[A-Za-z]:")

IGNORABLE = {chr(code) for low, high in _DEFAULT_IGNORABLE for code in range(low, high + 1)}
"""Invisible code points of other categories (fillers, variation selectors, tags)."""

segments = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp"),
        blacklist_characters="/\\",
    ).filter(lambda character: character not in IGNORABLE),
    min_size=1,
    max_size=20,
).filter(lambda segment: segment not in (".", ".."))
valid_keys = (
    st.lists(segments, min_size=1, max_size=6)
    .map("/".join)
    .map(lambda key: unicodedata.normalize("NFC", key))
    .filter(lambda key: not _DRIVE_LIKE.match(key) and len(key) <= MAX_KEY_LENGTH)
)
control_characters = st.sampled_from(
    [chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]]  # C0, DEL and C1
)
invisible_characters = st.sampled_from(
    [
        *"\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",  # bidi
        *"\u200b\u200c\u200d\u2060\ufeff\u00ad",  # zero-width
        *"\u2028\u2029",  # line and paragraph separators
        *"\u034f\u115f\u3164\uffa0\u17b4\ufe0f\U000e0100",  # other default-ignorables
    ]
)


@st.composite
def bad_keys(draw: st.DrawFn) -> tuple[str, str]:
    """A key breaking exactly one rule, with the name of that rule."""
    key = draw(valid_keys)
    parts = key.split("/")
    position = draw(st.integers(0, len(key)))
    rule = draw(
        st.sampled_from(
            [
                "empty",
                "too-long",
                "control-character",
                "invisible-character",
                "surrogate",
                "backslash",
                "absolute",
                "parent",
                "dot-segment",
                "empty-segment",
            ]
        )
    )
    if rule == "empty":
        return "", rule
    if rule == "too-long":
        return (key + "/x") * (MAX_KEY_LENGTH // (len(key) + 2) + 1), rule
    if rule == "control-character":
        return key[:position] + draw(control_characters) + key[position:], rule
    if rule == "invisible-character":
        return key[:position] + draw(invisible_characters) + key[position:], rule
    if rule == "surrogate":
        return key[:position] + chr(draw(st.integers(0xD800, 0xDFFF))) + key[position:], rule
    if rule == "backslash":
        return key[:position] + "\\" + key[position:], rule
    if rule == "absolute":
        prefix = draw(st.sampled_from(["/", "s3://bucket/", "file:///", "C:/", "c:\u00e9"]))
        return prefix + key, rule
    inserted = {"parent": "..", "dot-segment": ".", "empty-segment": ""}[rule]
    lowest = 1 if rule == "empty-segment" else 0  # an empty first segment is a leading '/'
    index = draw(st.integers(lowest, len(parts)))
    return "/".join([*parts[:index], inserted, *parts[index:]]), rule


@given(valid_keys)
def test_every_valid_key_is_returned_unchanged(key: str) -> None:
    assert validate_key(key) == key


@given(valid_keys)
def test_every_spelling_of_a_key_is_normalised_to_nfc(key: str) -> None:
    for form in ("NFD", "NFC"):
        assert validate_key(unicodedata.normalize(form, key)) == key


def test_nfc_and_nfd_spellings_of_a_name_give_one_key() -> None:
    composed, decomposed = "donn\u00e9es/\u00e9t\u00e9.csv", "donne\u0301es/e\u0301te\u0301.csv"
    assert validate_key(decomposed) == validate_key(composed) == composed


@given(bad_keys())
def test_every_bad_key_is_rejected_with_the_rule_it_breaks(case: tuple[str, str]) -> None:
    key, rule = case
    with pytest.raises(InvalidKeyError) as raised:
        validate_key(key)
    assert raised.value.rule == rule
    message = str(raised.value)
    assert repr(key) in message and repr(rule) in message
    assert message.isprintable()  # no terminal escape, bidi override or line break in it


@pytest.mark.parametrize(
    ("key", "rule", "advice"),
    [
        ("/data/x.csv", "absolute", "relative to the storage root"),
        ("raw/../x.csv", "parent", "remove the '..'"),
        ("raw//x.csv", "empty-segment", "'a/b'"),
        ("raw/", "empty-segment", "trailing '/'"),
        ("raw\\x.csv", "backslash", "separate folders with '/'"),
        ("raw/x\n.csv", "control-character", "remove control characters"),
        ("raw/x\x9b31m.csv", "control-character", "U+009B"),
        ("raw/exe.\u202ecsv", "invisible-character", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("raw/a\u200bb.csv", "invisible-character", "U+200B ZERO WIDTH SPACE"),
        ("raw/a\u2028b.csv", "invisible-character", "U+2028 LINE SEPARATOR"),
        ("raw/a\u3164b.csv", "invisible-character", "U+3164 HANGUL FILLER"),
        ("raw/a\ufe0fb.csv", "invisible-character", "U+FE0F VARIATION SELECTOR-16"),
        ("raw/\ud800.csv", "surrogate", "U+D800"),
    ],
)
def test_the_message_says_what_to_do(key: str, rule: str, advice: str) -> None:
    with pytest.raises(InvalidKeyError, match=re.escape(advice)) as raised:
        validate_key(key)
    assert raised.value.rule == rule
    assert isinstance(raised.value, ValueError)


def test_a_key_of_exactly_the_maximum_length_is_valid() -> None:
    key = "a" * MAX_KEY_LENGTH
    assert validate_key(key) == key
    with pytest.raises(InvalidKeyError) as raised:
        validate_key(key + "a")
    assert raised.value.rule == "too-long"


@pytest.mark.parametrize(
    "key", ["...", ".hidden/file", "a..b/c", "raw/sample 1.fasta", "données/été.csv", "run:1/x.csv"]
)
def test_names_that_only_look_special_are_valid(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("raw/sample.fasta", ".fasta"),
        ("archive.tar.gz", ".tar.gz"),
        ("calls.vcf.gz", ".vcf.gz"),
        ("reads_R1.fastq.gz", ".fastq.gz"),
        ("table.csv.gz", ".csv.gz"),
        ("notes.txt.bz2", ".txt.bz2"),
        ("plain.gz", ".gz"),
        ("images/slide.ome.zarr", ".ome.zarr"),
        ("images/slide.ome.zarr/", ".ome.zarr"),
        ("scrna/pbmc.anndata.zarr", ".anndata.zarr"),
        ("visium/slide.spatialdata.zarr", ".spatialdata.zarr"),
        ("store.zarr", ".zarr"),
        ("version.1.2.zarr", ".zarr"),
        ("scrna/batch1.h5ad", ".h5ad"),
        ("/home/me/data/.ontolake/3kd8Qm2LxPa90000.parquet", ".parquet"),
        ("s3://bucket/prefix/file.JSON", ".JSON"),
        (".bashrc", ""),
        ("config/.env", ""),
        (".config.json", ".json"),
        ("README", ""),
        ("folder/", ""),
        ("trailing.", ""),
        ("report final.v1 draft", ""),
    ],
)
def test_key_suffix(name: str, suffix: str) -> None:
    assert key_suffix(name) == suffix


@given(valid_keys)
def test_key_suffix_is_a_suffix_of_the_last_segment(key: str) -> None:
    suffix = key_suffix(key)
    last_segment = key.rsplit("/", 1)[-1]
    assert last_segment.endswith(suffix)
    assert suffix == "" or (suffix.startswith(".") and len(suffix) < len(last_segment))
