"""Patterns from schema files (``str_matches``, ``str_contains``) run in linear time.

A shared schema file is untrusted input: a backtracking pattern such as ``(a+)+$`` must not
hang validation, whichever engine applies it (a curator, ``curate validate`` or the pandera
schema from ``to_pandera()``).
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import ontolake as ol
from ontolake.errors import SchemaFileError
from ontolake.schemas.yaml import from_yaml

EVIL = """\
ontolake_schema: 1
name: samples
otype: DataFrame
features:
  - name: sample
    dtype: str
    checks: [{check: str_matches, pattern: '(a+)+$'}]
  - name: note
    dtype: str
    checks: [{check: str_contains, pattern: '(x+x+)+y'}]
"""
HOSTILE = "a" * 60 + "!"
"""A value on which backtracking ``(a+)+$`` takes about 2**60 steps."""

BOTH_ENGINES = f"""
import pandas as pd, pandera.errors
import ontolake as ol
from ontolake.schemas.yaml import from_yaml
schema = from_yaml({EVIL!r})
frame = pd.DataFrame({{"sample": ["aaa", {HOSTILE!r}], "note": ["xxy", "x" * 60]}})
try:
    ol.curate.DataFrameCurator(frame, schema).validate()
except ol.errors.ValidationError as error:
    print("curator:", str(error).count("failed for 1 value(s)"), "failing checks")
try:
    schema.to_pandera().validate(frame, lazy=True)
except pandera.errors.SchemaErrors as error:
    print("pandera:", sorted(error.failure_cases["failure_case"].astype(str).str.len()))
"""


def test_a_backtracking_pattern_from_a_schema_file_does_not_hang_validation(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", BOTH_ENGINES],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["curator: 2 failing checks", "pandera: [60, 61]"]


def test_curate_validate_applies_a_backtracking_pattern_in_linear_time(curate_cli):
    (curate_cli.cwd / "samples.yaml").write_text(EVIL)
    frame = pd.DataFrame({"sample": ["aaa", HOSTILE], "note": ["xxy", "xy"]})
    frame.to_csv(curate_cli.cwd / "samples.csv", index=False)
    result = curate_cli("validate", "samples.csv", "--schema", "samples.yaml", timeout=60)
    assert result.returncode == 1, result.stderr
    assert "str_matches" in result.stdout


@pytest.mark.parametrize(
    ("pattern", "feature"), [("(a)\\1", "invalid escape sequence"), ("(?<=a)b", "perl operator")]
)
def test_a_pattern_the_linear_engine_cannot_run_is_refused_when_the_file_is_read(pattern, feature):
    text = EVIL.replace("(a+)+$", pattern)
    with pytest.raises(SchemaFileError) as caught:
        from_yaml(text)
    message = str(caught.value)
    assert pattern in message and feature in message
    assert "backreferences" in message and "\n" not in message


def test_patterns_keep_their_meaning():
    schema = from_yaml(EVIL.replace("(a+)+$", r"S\d{3}").replace("(x+x+)+y", "(?i)ok"))
    frame = pd.DataFrame(
        {"sample": ["S001", "XS001", "S01", None], "note": ["OK", "ok!", "n", "o"]}
    )

    with pytest.raises(ol.errors.ValidationError) as caught:
        ol.curate.DataFrameCurator(frame, schema).validate()
    report = str(caught.value)
    assert "XS001" in report and "S01" in report and "'S001'" not in report
    assert "'n'" in report and "'OK'" not in report
