"""`piv bench import` of crafted files: each is a one-line usage error (exit 2) naming the
file and the field, through the real CLI entry point; a good file still imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_piv.baselines.exchange import MAX_FILE_BYTES, MAX_NAME, MAX_SAMPLES
from pytest_piv.cli import main

GOOD = {
    "format": "pytest-piv-bench-baseline",
    "version": 1,
    "machine": "ci",
    "fingerprint": {"cpu": "x"},
    "benchmarks": {"t.py::test_a": {"rounds": 3, "samples": [1e-3, 2e-3, 3e-3]}},
}


def with_benchmark(body: object, name: str = "t.py::test_a", big: bytes = b"") -> bytes:
    """A file with one benchmark; ``big`` is a literal whose 7 becomes 5,000 digits."""
    text = json.dumps({**GOOD, "benchmarks": {name: body}}).encode()
    return text.replace(big, big.replace(b"7", b"1" + b"0" * 5000)) if big else text


def with_field(key: str, value: object) -> bytes:
    return json.dumps({**GOOD, key: value}).encode()


CRAFTED: list[tuple[str, bytes, str]] = [
    ("deep-nesting", b'{"benchmarks": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nest"),
    ("huge-integer", with_benchmark({"rounds": 7, "samples": [1.0]}, big=b'"rounds": 7'), "rounds"),
    ("huge-integer-sample", with_benchmark({"rounds": 7, "samples": [7]}, big=b"[7]"), "samples"),
    ("non-utf8", b'{"machine": "\xff\xfe"}', "UTF-8"),
    ("nan-sample", with_benchmark({"rounds": 1, "samples": [float("nan")]}), "samples"),
    ("infinite-sample", with_benchmark({"rounds": 1, "samples": [float("inf")]}), "samples"),
    ("negative-rounds", with_benchmark({"rounds": -5, "samples": [1.0]}), "rounds"),
    ("boolean-rounds", with_benchmark({"rounds": True, "samples": [1.0]}), "rounds"),
    ("zero-rounds", with_benchmark({"rounds": 0, "samples": [1.0]}), "rounds"),
    ("rounds-below-samples", with_benchmark({"rounds": 1, "samples": [1.0, 2.0]}), "rounds"),
    ("boolean-sample", with_benchmark({"rounds": 1, "samples": [True]}), "samples"),
    (
        "too-many-samples",
        with_benchmark({"rounds": 2_000_000, "samples": [1.0] * 2_000_000}),
        "samples",
    ),
    ("newline-in-name", with_benchmark({"rounds": 1, "samples": [1.0]}, "a\npiv: GREEN"), "name"),
    ("escape-in-name", with_benchmark({"rounds": 1, "samples": [1.0]}, "a\x1b]0;t\x07"), "name"),
    ("long-name", with_benchmark({"rounds": 1, "samples": [1.0]}, "n" * (MAX_NAME + 1)), "name"),
    ("escape-in-machine", with_field("machine", "ci\x1b[2J"), "machine"),
    ("empty-machine", with_field("machine", " "), "machine"),
    ("fingerprint-not-text", with_field("fingerprint", {"cpu": {"a": 1}}), "fingerprint"),
    ("fingerprint-escape", with_field("fingerprint", {"cpu": "\x1b[31m"}), "fingerprint"),
    ("benchmarks-a-list", with_field("benchmarks", []), "benchmarks"),
    ("no-benchmarks", with_field("benchmarks", {}), "benchmarks"),
    ("body-a-string", with_benchmark("fast"), "t.py::test_a"),
    ("samples-missing", with_benchmark({"rounds": 1}), "samples"),
    ("not-an-object", b"[1, 2]", "format"),
    ("empty-file", b"", "JSON"),
]


def import_file(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    file = tmp_path / "crafted.json"
    file.write_bytes(content)
    code = main(["--root", str(tmp_path), "bench", "import", str(file)])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


@pytest.mark.parametrize(
    ("content", "field"), [c[1:] for c in CRAFTED], ids=[c[0] for c in CRAFTED]
)
def test_a_crafted_import_is_a_one_line_usage_error_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, field: str
) -> None:
    code, output = import_file(tmp_path, content, capsys)
    assert code == 2, output
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith(f"piv: error: {tmp_path / 'crafted.json'}: ")
    assert field in lines[0]
    assert lines[0].isprintable()
    assert not (tmp_path / ".piv").exists()


def test_too_many_samples_names_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = [1.0] * (MAX_SAMPLES + 1)
    content = with_benchmark({"rounds": len(samples), "samples": samples})
    code, output = import_file(tmp_path, content, capsys)
    assert code == 2
    assert f"at most {MAX_SAMPLES}" in output
    assert '"samples"' in output


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = import_file(tmp_path, b" " * (MAX_FILE_BYTES + 1), capsys)
    assert code == 2
    assert "larger than" in output


def test_a_well_formed_file_within_the_limits_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = [1e-3] * MAX_SAMPLES
    content = with_benchmark({"rounds": 5000, "samples": samples}, "t.py::" + "n" * 200)
    code, output = import_file(tmp_path, content, capsys)
    assert code == 0, output
    assert "imported 1 benchmark baselines for machine ci" in output
