from __future__ import annotations

import json

import pytest

from sanitize.findings import FindingsError, read_findings, write_findings
from sanitize.types import Finding


def test_round_trip_without_plaintext(tmp_path) -> None:
    findings = [
        Finding(0, 3, 9, "password", "kw", 0.9, "hmac-sha256:ab", "******"),
        Finding(2, 0, 4, "email"),
    ]
    path = tmp_path / "f.jsonl"
    assert write_findings(path, findings) == 2
    assert read_findings(path) == findings
    assert all("value" not in json.loads(line) for line in path.read_text().splitlines())


def test_values_written_only_when_given(tmp_path) -> None:
    path = tmp_path / "f.jsonl"
    write_findings(path, [Finding(0, 0, 3, "password")], values=["abc"])
    assert json.loads(path.read_text())["value"] == "abc"
    assert read_findings(path) == [Finding(0, 0, 3, "password")]


def test_hand_written_minimal_findings(tmp_path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"doc": 1, "start": 2, "end": 5, "type": "credit_card"}\n\n')
    assert read_findings(path) == [Finding(1, 2, 5, "credit_card")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"doc": 0, "start": 1, "end": 2', "f.jsonl:2: malformed JSON"),
        ('{"doc": 0, "start": 1, "type": "x"}', "f.jsonl:2: missing required field(s) end"),
        ('{"doc": -1, "start": 1, "end": 2, "type": "x"}', "f.jsonl:2: finding field 'doc'"),
        ('{"doc": 0, "start": 3, "end": 2, "type": "x"}', "f.jsonl:2: finding span is empty"),
        ("[1, 2]", "f.jsonl:2: expected a JSON object"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, line: str, message: str) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"doc": 0, "start": 0, "end": 1, "type": "x"}\n' + line + "\n")
    with pytest.raises(FindingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_findings(path)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(FindingsError, match="not found"):
        read_findings(tmp_path / "nope.jsonl")


def test_failed_write_leaves_nothing(tmp_path) -> None:
    def broken():
        yield Finding(0, 0, 1, "x")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_findings(tmp_path / "f.jsonl", broken())
    assert list(tmp_path.iterdir()) == []


def test_to_dict_covers_every_field() -> None:
    import dataclasses

    finding = Finding(1, 2, 3, "password", "kw", 0.5, "hmac-sha256:00", "***")
    assert finding.to_dict() == dataclasses.asdict(finding)


# -- issue 17 ----------------------------------------------------------------------------------------
def test_invalid_utf8_names_the_line(tmp_path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"doc": 0, "start": 0, "end": 3, "type": "x"}\n{"doc": 0, "type": "\xff\xfe"}\n')
    with pytest.raises(FindingsError, match=r"f\.jsonl:2: not valid UTF-8"):
        read_findings(path)


def test_non_file_inputs_are_named(tmp_path) -> None:
    import os

    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(FindingsError, match="is a FIFO"):
        read_findings(fifo)
    with pytest.raises(FindingsError, match="expected a path, got NoneType"):
        read_findings(None)  # type: ignore[arg-type]


def test_writes_are_atomic_and_plaintext_is_private(tmp_path) -> None:
    import stat

    path = tmp_path / "f.jsonl"
    write_findings(path, [Finding(0, 0, 3, "password")], values=["abc"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    write_findings(path, [Finding(0, 0, 3, "password")])

    def broken():  # type: ignore[no-untyped-def]
        yield Finding(1, 0, 3, "password")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_findings(path, broken())
    assert read_findings(path) == [Finding(0, 0, 3, "password")]  # the old file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.jsonl"]  # no temporary left
