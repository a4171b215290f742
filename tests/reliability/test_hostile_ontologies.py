"""Hostile input, part 2: malformed, truncated, compressed and huge ontology files.

Whatever the bytes, reading or importing an ontology file raises an ``OntolakeError``
(``OntologyFormatError`` for bad content) that names the file, a failed import leaves the
registry as it was, and a small compressed file that expands to hundreds of megabytes
("a bomb") is read in bounded memory: it imports, or fails cleanly, well under 300 MB.
"""

from __future__ import annotations

import gzip
import io
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ontolake as ol
from ontolake.errors import OntolakeError, OntologyFormatError
from ontolake.ontology_sources.source import open_source

DATA = Path(__file__).parents[1] / "data" / "ontologies"
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _cellxgene_json() -> bytes:
    with (DATA / "cl_subset.json.zst").open("rb") as handle:
        return zstandard.ZstdDecompressor().stream_reader(handle).read()


SAMPLES = {
    "obo": (DATA / "hp_subset.obo").read_bytes(),
    "owl": (DATA / "hp_subset.owl").read_bytes(),
    "obographs": (DATA / "hp_subset.json").read_bytes(),
    "cellxgene": _cellxgene_json(),
}
NAMES = {"obo": "x.obo", "owl": "x.owl", "obographs": "x.json", "cellxgene": "x.json"}


def _compress(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(data, compresslevel=1)
    if how == "zstd":
        return zstandard.ZstdCompressor(level=1).compress(data)
    return data


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated, with bytes overwritten, inserted or deleted, or junk."""
    kind = draw(st.sampled_from(["truncate", "overwrite", "insert", "delete", "junk"]))
    if kind == "junk":
        return draw(st.binary(max_size=300))
    at = draw(st.integers(0, len(data) - 1))
    if kind == "truncate":
        return data[:at]
    if kind == "overwrite":
        junk = draw(st.binary(min_size=1, max_size=16))
        return data[:at] + junk + data[at + len(junk) :]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    return data[:at] + data[at + draw(st.integers(1, 500)) :]


def _read_all(path: Path, format: str | None) -> int:
    return sum(1 for _ in open_source(str(path), format=format).terms())


@pytest.mark.parametrize("format", sorted(SAMPLES))
@FUZZ
@given(data=st.data())
def test_mangled_files_read_or_fail_with_an_ontolake_error_naming_them(
    tmp_path_factory, format: str, data: st.DataObject
) -> None:
    content = data.draw(mutated(SAMPLES[format]))
    how = data.draw(st.sampled_from(["plain", "gzip", "zstd"]))
    packed = _compress(content, how)
    if how != "plain" and data.draw(st.booleans()):  # truncate or corrupt the compression too
        packed = data.draw(mutated(packed)) if packed else packed
    path = tmp_path_factory.mktemp("mangled") / NAMES[format]
    path.write_bytes(packed)
    for chosen in (format, None):  # with the format given, and detected
        try:
            _read_all(path, chosen)
        except OntologyFormatError as error:
            assert str(path) in str(error)
        except OntolakeError:
            pass


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe junk that is not UTF-8", "not valid UTF-8"),  # was TypeError from fastobo
        (b"format-version: 1.2\n\n[Term]\nid: A:1\nname: caf\xe9\n", "not valid UTF-8"),
    ],
)
def test_obo_text_that_is_not_utf8_is_a_format_error(tmp_path, content, message) -> None:
    path = tmp_path / "bad.obo"
    path.write_bytes(content)
    with pytest.raises(OntologyFormatError, match=message):
        _read_all(path, "obo")


@pytest.mark.parametrize("how", ["gzip", "zstd"])
@pytest.mark.parametrize("format", sorted(SAMPLES))
def test_truncated_compressed_files_are_errors_not_partial_ontologies(
    tmp_path, how: str, format: str
) -> None:
    """zstandard's stream reader ended a truncated frame silently: part of a file imported."""
    packed = _compress(SAMPLES[format], how)
    path = tmp_path / (NAMES[format] + (".gz" if how == "gzip" else ".zst"))
    path.write_bytes(packed[: len(packed) * 2 // 3])
    with pytest.raises(
        OntologyFormatError, match="compressed content is corrupt or truncated"
    ) as caught:
        _read_all(path, format)
    assert str(path) in str(caught.value)


def test_corrupt_gzip_is_a_format_error(tmp_path) -> None:
    packed = bytearray(_compress(SAMPLES["obo"], "gzip"))
    packed[len(packed) // 2 : len(packed) // 2 + 8] = b"\x00" * 8
    path = tmp_path / "hp.obo.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(OntologyFormatError, match=r"hp\.obo\.gz.*corrupt or truncated"):
        _read_all(path, "obo")


def test_concatenated_zstd_frames_read_as_one_file(tmp_path) -> None:
    data = SAMPLES["obo"]
    half = data.index(b"\n[Term]", len(data) // 2)
    path = tmp_path / "hp.obo.zst"
    path.write_bytes(_compress(data[:half], "zstd") + _compress(data[half:], "zstd"))
    assert _read_all(path, "obo") == _read_all(DATA / "hp_subset.obo", "obo")


@pytest.mark.parametrize("format", sorted(SAMPLES))
def test_a_failed_import_leaves_the_registry_unchanged(sqlite_instance, tmp_path, format) -> None:
    ol.bio.Phenotype.import_source(DATA / "hp_subset.obo")
    before = ol.bio.Phenotype.filter().to_dataframe().to_dict()
    sources = ol.bio.Source.filter().count()
    data = SAMPLES[format]
    for name, broken in {
        "truncated": _compress(data, "zstd")[: len(_compress(data, "zstd")) // 2],
        "cut": data[: len(data) * 3 // 4] + b"\x00\xff",
    }.items():
        path = tmp_path / f"{name}-{NAMES[format]}"
        path.write_bytes(broken)
        with pytest.raises(OntolakeError):
            ol.bio.Phenotype.import_source(str(path), version=f"broken-{name}")
    assert ol.bio.Phenotype.filter().to_dataframe().to_dict() == before
    assert ol.bio.Source.filter().count() == sources


# ---- huge and compressed inputs in bounded memory ---------------------------------------------

LIMIT_MB = 300
MEASURE = textwrap.dedent(
    """
    import resource, sys
    from ontolake.errors import OntolakeError
    from ontolake.ontology_sources.source import open_source

    source = open_source(sys.argv[1], format=sys.argv[2])
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        outcome = f"ok {sum(1 for _ in source.terms())}"
    except OntolakeError as error:
        outcome = f"{type(error).__name__}: {error}"
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024
    print(grown, outcome, sep="\\n")
    """
)


def _bomb(path: Path, head: bytes, filler: bytes, size_mb: int, tail: bytes, how: str) -> Path:
    """A file of ``size_mb`` MB of ``filler`` between ``head`` and ``tail``, compressed."""
    block = filler * ((1 << 20) // len(filler))

    def parts() -> Iterator[bytes]:
        yield head
        for _ in range(size_mb):
            yield block
        yield tail

    with path.open("wb") as raw:
        if how == "zstd":
            with zstandard.ZstdCompressor(level=1).stream_writer(raw, closefd=False) as writer:
                for part in parts():
                    writer.write(part)
        else:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as writer:
                for part in parts():
                    writer.write(part)
    assert path.stat().st_size < (size_mb << 20) // 100  # a small file, a huge content
    return path


def _measure(path: Path, format: str) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), format],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    grown, outcome = result.stdout.split("\n", 1)
    return int(grown), outcome.strip()


OWL_HEAD = (
    b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    b' xmlns:owl="http://www.w3.org/2002/07/owl#"'
    b' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
    b'<owl:Class rdf:about="http://purl.obolibrary.org/obo/A_1"><rdfs:label>'
)
BOMBS = {
    # name: (format, head, filler, MB, tail, compression, expected outcome)
    "cellxgene: blanks between entries": (
        "cellxgene",
        b"{",
        b" ",
        300,
        b'"A:1": {"label": "x"}}',
        "zstd",
        "decompression bomb",
    ),
    "obographs: blanks in the document": (  # json.load would hold all 300 MB, twice
        "obographs",
        b'{"graphs": [{"nodes": [{"id": "A:1", "type": "CLASS", "lbl": "x"}',
        b" ",
        300,
        b"]}]}",
        "zstd",
        "decompression bomb",
    ),
    "obographs: blanks in the document, gzip": (
        "obographs",
        b'{"graphs": [{"nodes": [{"id": "A:1", "type": "CLASS", "lbl": "x"}',
        b" ",
        100,
        b"]}]}",
        "gzip",
        "decompression bomb",
    ),
    "obo: blank lines": (  # fastobo takes 3 us a line: 300 M lines would take 15 minutes
        "obo",
        b"format-version: 1.2\n\n[Term]\nid: A:1\nname: x\n",
        b"\n",
        300,
        b"",
        "zstd",
        "decompression bomb",
    ),
    "cellxgene: one giant string": (
        "cellxgene",
        b'{"A:1": {"label": "x", "description": "',
        b"a",
        300,
        b'"}}',
        "zstd",
        "longer than 16 MiB|decompression bomb",
    ),
    "cellxgene: blanks inside an entry": (
        "cellxgene",
        b'{"A:1": {"label": "x", "synonyms": [',
        b" ",
        300,
        b"]}}",
        "zstd",
        "longer than 16 MiB|decompression bomb",
    ),
    "obo: one giant line": (
        "obo",
        b"format-version: 1.2\n\n[Term]\nid: A:1\nname: ",
        b"a",
        300,
        b"\n",
        "zstd",
        "a line longer than 8 MiB",
    ),
    "obo: one giant line, gzip": (
        "obo",
        b"format-version: 1.2\n\n[Term]\nid: A:1\nname: ",
        b"a",
        100,
        b"\n",
        "gzip",
        "a line longer than 8 MiB",
    ),
    "owl: one giant label": (
        "owl",
        OWL_HEAD,
        b"a",
        300,
        b"</rdfs:label></owl:Class></rdf:RDF>",
        "zstd",
        "text between two tags longer than 1 MiB",
    ),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_compression_bombs_are_read_in_bounded_memory(tmp_path, case: str) -> None:
    format, head, filler, size_mb, tail, how, expected = BOMBS[case]
    path = _bomb(tmp_path / f"bomb-{format}", head, filler, size_mb, tail, how)
    grown, outcome = _measure(path, format)
    assert re.search(expected, outcome), outcome
    assert outcome.startswith("ok") or str(path) in outcome  # errors name the file
    assert grown < LIMIT_MB, f"{case}: peak memory grew {grown} MB reading {size_mb} MB"


def test_the_streaming_zstd_reader_holds_little_output_at_once() -> None:
    """One zstd input byte expands to at most ~32 KiB: 256-byte feeds stay under 8 MiB."""
    from ontolake.ontology_sources import locations

    zeros = zstandard.ZstdCompressor(level=19).compress(b"\0" * (256 << 20))
    assert len(zeros) < 64 << 10
    frames = locations._ZstdFrames(io.BytesIO(zeros), zstandard)
    largest = total = 0
    while frames._fill():
        largest = max(largest, len(frames._pending))
        total += len(frames._pending)
    assert total == 256 << 20
    assert largest <= 8 << 20


@pytest.mark.parametrize(
    ("reader", "content", "message"),
    [
        ("cellxgene", b'{"A:1": {"label": "x", "description": "' + b"a" * (17 << 20), "16 MiB"),
        ("cellxgene", b'{"A:1": {"label": "x", "synonyms": [' + b" " * (17 << 20), "16 MiB"),
        ("obo", b"format-version: 1.2\n\n[Term]\nid: A:1\nname: " + b"a" * (9 << 20), "8 MiB"),
        ("owl", OWL_HEAD + b"a" * (2 << 20), "1 MiB"),
    ],
)
def test_uncompressed_giant_entries_lines_and_texts_are_refused(
    reader: str, content: bytes, message: str
) -> None:
    """The limits each reader sets, met before any decompression-bomb check could be."""
    from ontolake.ontology_sources.readers import get_reader

    with pytest.raises(OntologyFormatError, match=rf"giant\.x.*longer than {message}"):
        list(get_reader(reader)(io.BytesIO(content), "giant.x"))


@pytest.mark.parametrize("depth", [100_000])
def test_deeply_nested_json_is_a_format_error(tmp_path, depth: int) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b'{"A:1": ' + b"[" * depth + b"]" * depth + b"}")
    with pytest.raises(OntologyFormatError, match=r"deep\.json"):
        _read_all(path, "cellxgene")
    path.write_bytes(b'{"graphs": ' + b"[" * depth + b"]" * depth + b"}")
    with pytest.raises(OntologyFormatError, match=r"deep\.json"):
        _read_all(path, "obographs")
