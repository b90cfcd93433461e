"""Corpus loading: every format, ordering, and every bad input with its message (and CLI exit code)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from sanitize.data import iter_documents, load_corpus
from sanitize.errors import CorpusError


def _texts(ds) -> list[str]:  # type: ignore[no-untyped-def]
    return list(ds["text"])


def write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# -- formats ---------------------------------------------------------------------------------------
def test_txt_whole_file_lines_and_paragraphs(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("first line\nsecond line\n\n\nthird para\nstill third\n", encoding="utf-8")
    assert _texts(load_corpus(p)) == ["first line\nsecond line\n\n\nthird para\nstill third\n"]
    assert _texts(load_corpus(p, split="lines")) == ["first line", "second line", "third para", "still third"]
    assert _texts(load_corpus(p, split="paragraphs")) == [
        "first line\nsecond line",
        "third para\nstill third",
    ]


def test_jsonl_json_array_csv_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_jsonl(tmp_path / "a.jsonl", [{"text": "j1", "x": 1}, {"text": "j2"}])
    (tmp_path / "b.json").write_text(json.dumps([{"text": "a1"}, {"text": "a2"}]), encoding="utf-8")
    with open(tmp_path / "c.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerow([1, "c1, with comma"])
        w.writerow([2, "c2\nmultiline"])
    pq.write_table(pa.table({"text": ["p1", "p2", "p3"]}), tmp_path / "d.parquet")
    ds = load_corpus(tmp_path)
    assert _texts(ds) == ["j1", "j2", "a1", "a2", "c1, with comma", "c2\nmultiline", "p1", "p2", "p3"]
    assert list(ds["doc"]) == list(range(9))
    assert list(ds["index"]) == [0, 1, 0, 1, 0, 1, 0, 1, 2]
    assert ds.column_names == ["doc", "text", "source", "index"]


def test_json_that_is_json_lines(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "lines.json", [{"text": "x"}, {"text": "y"}])
    assert _texts(load_corpus(tmp_path / "lines.json")) == ["x", "y"]


def test_gzip_jsonl_and_custom_text_field(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"content": "zipped"}) + "\n")
    assert _texts(load_corpus(tmp_path / "a.jsonl.gz", text_field="content")) == ["zipped"]


def test_folder_order_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b" / "z.txt").write_text("bz", encoding="utf-8")
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "c.txt").write_text("c", encoding="utf-8")
    (tmp_path / ".hidden" / "h.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\x00")
    assert _texts(load_corpus(tmp_path)) == ["a", "bz", "c"]
    assert [d.doc for d in iter_documents(tmp_path)] == [0, 1, 2]


def test_saved_dataset_and_dataset_dict(tmp_path: Path) -> None:
    import datasets

    ds = datasets.Dataset.from_dict({"body": ["s1", "s2"], "label": [0, 1]})
    ds.save_to_disk(tmp_path / "ds")
    out = load_corpus(tmp_path / "ds", text_field="body")
    assert _texts(out) == ["s1", "s2"] and list(out["doc"]) == [0, 1]
    datasets.DatasetDict(train=ds, test=ds.select([1])).save_to_disk(tmp_path / "dd")
    assert _texts(load_corpus(tmp_path / "dd", text_field="body", dataset_split="test")) == ["s2"]
    with pytest.raises(CorpusError, match=r"no split 'validation'; splits present: train, test"):
        load_corpus(tmp_path / "dd", text_field="body", dataset_split="validation")
    with pytest.raises(CorpusError, match=r"no column 'text'; columns present: body, label"):
        load_corpus(tmp_path / "ds")


def test_list_and_in_memory_dataset() -> None:
    import datasets

    assert _texts(load_corpus(["x", "y"])) == ["x", "y"]
    ds = datasets.Dataset.from_dict({"text": ["m1", "m2"]})
    assert [d.text for d in iter_documents(ds)] == ["m1", "m2"]


def test_iter_and_load_agree(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"text": f"doc {i}"} for i in range(50)])
    (tmp_path / "b.txt").write_text("one\ntwo\n", encoding="utf-8")
    ds = load_corpus(tmp_path, split="lines")
    streamed = list(iter_documents(tmp_path, split="lines"))
    assert [(d.doc, d.text, d.index) for d in streamed] == list(zip(ds["doc"], ds["text"], ds["index"]))


def test_edited_file_is_read_again(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [{"text": "old"}])
    assert _texts(load_corpus(p)) == ["old"]
    write_jsonl(p, [{"text": "new, longer"}])
    assert _texts(load_corpus(p)) == ["new, longer"]


def test_document_repr_hides_text() -> None:
    doc = next(iter_documents(["password=hunter2"]))
    assert "hunter2" not in repr(doc)


# -- bad input ------------------------------------------------------------------------------------
def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"nope\.jsonl: no such file or directory"):
        load_corpus(tmp_path / "nope.jsonl")


def test_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    with pytest.raises(CorpusError, match=r"a\.xlsx: unsupported format '\.xlsx'; supported: "):
        load_corpus(tmp_path / "a.xlsx")


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="folder holds no corpus files"):
        load_corpus(tmp_path)


def test_empty_file_gives_an_empty_corpus(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    ds = load_corpus(tmp_path / "empty.jsonl")
    assert len(ds) == 0
    assert ds.column_names == ["doc", "text", "source", "index"]


def test_malformed_jsonl_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "ok"}\n\n{"text": "broken"\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad\.jsonl:3: malformed JSON"):
        load_corpus(p)
    p.write_text('{"text": "ok"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad\.jsonl:2: expected a JSON object, got list"):
        list(iter_documents(p))


def test_missing_text_field_lists_fields(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [{"text": "ok"}, {"body": "x", "id": 3}])
    with pytest.raises(CorpusError, match=r"a\.jsonl:2: no field 'text'; fields present: body, id"):
        load_corpus(p)
    p = write_jsonl(tmp_path / "a.jsonl", [{"text": 5}])
    with pytest.raises(CorpusError, match=r"a\.jsonl:1: field 'text' must be a string, got int"):
        load_corpus(p)
    (tmp_path / "c.csv").write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.csv:1: no column 'text'; columns present: id, body"):
        load_corpus(tmp_path / "c.csv")


def test_parquet_bad_column_and_bad_file(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"body": ["x"], "n": [1]}), tmp_path / "d.parquet")
    with pytest.raises(CorpusError, match=r"d\.parquet: no column 'text'; columns present: body, n"):
        load_corpus(tmp_path / "d.parquet")
    with pytest.raises(CorpusError, match=r"column 'n' must hold strings"):
        load_corpus(tmp_path / "d.parquet", text_field="n")
    (tmp_path / "e.parquet").write_bytes(b"not parquet")
    with pytest.raises(CorpusError, match=r"e\.parquet: not a readable Parquet file"):
        load_corpus(tmp_path / "e.parquet")


def test_csv_ragged_row(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,text\n1,ok\n2,too,many\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.csv:3: row has 3 fields, header has 2"):
        load_corpus(tmp_path / "c.csv")


def test_invalid_utf8_strict_names_byte_offset(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(CorpusError, match=r"a\.jsonl:2: invalid UTF-8 at byte offset 30"):
        load_corpus(p)
    t = tmp_path / "b.txt"
    t.write_bytes(b"abc\xff\xfedef")
    with pytest.raises(CorpusError, match=r"b\.txt: invalid UTF-8 at byte offset 3"):
        list(iter_documents(t))


def test_invalid_utf8_replace_warns_with_count(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"text": "caf\xe9 \xff ok \xef\xbf\xbd"}\n')  # two bad sequences, one genuine U+FFFD
    with pytest.warns(UserWarning, match=r"a\.jsonl: replaced 2 invalid UTF-8 sequence"):
        ds = load_corpus(p, encoding_errors="replace")
    assert _texts(ds) == ["caf\ufffd \ufffd ok \ufffd"]


def test_hub_id_offline_gives_clear_error() -> None:
    with pytest.raises(
        CorpusError, match=r"some-org/some-dataset: not a local file or folder.*HF_HUB_OFFLINE"
    ):
        load_corpus("some-org/some-dataset")


def test_invalid_options() -> None:
    from sanitize.errors import ConfigError

    with pytest.raises(ConfigError, match=r"CorpusConfig\.split: must be one of"):
        load_corpus(["x"], split="sentences")


# -- CLI: the same errors, exit code 2 ------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "name", "extra", "message"),
    [
        (None, "missing.jsonl", [], "missing.jsonl: no such file or directory"),
        (b"x", "a.docx", [], "unsupported format '.docx'"),
        (b'{"text": 1\n', "a.jsonl", [], "a.jsonl:1: malformed JSON"),
        (b'{"body": "x"}\n', "a.jsonl", [], "no field 'text'; fields present: body"),
        (b'{"text": "\xff"}\n', "a.jsonl", [], "a.jsonl:1: invalid UTF-8 at byte offset 10"),
        (b'{"body": "x"}\n', "a.jsonl", ["--text-field", "missing"], "no field 'missing'"),
    ],
)
def test_cli_inspect_errors(cli, tmp_path: Path, content, name, extra, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = cli("inspect", path, *extra)
    assert result.code == 2
    assert result.err.startswith("error: ") and message in result.err


def test_cli_inspect_counts(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_jsonl(tmp_path / "a.jsonl", [{"text": "abc"}, {"text": "de"}])
    result = cli("inspect", tmp_path / "a.jsonl", "--json")
    assert result.code == 0
    summary = json.loads(result.out)
    assert summary["documents"] == 2 and summary["characters"] == 5


def test_null_text_in_saved_dataset(tmp_path: Path) -> None:
    import datasets

    datasets.Dataset.from_dict({"text": ["a", None, "c"]}).save_to_disk(tmp_path / "ds")
    with pytest.raises(CorpusError, match=r"ds: row 1: column 'text' is null"):
        load_corpus(tmp_path / "ds")
    with pytest.raises(CorpusError, match=r"row 1: field 'text' must be a string, got NoneType"):
        list(iter_documents(tmp_path / "ds"))


def test_jsonl_blank_lines_are_skipped_and_errors_keep_their_line(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'\n{"text": "one"}\r\n  \t\n\xc2\xa0\n{"text": "two", "n": 1}\n\n')
    docs = list(iter_documents(p))
    assert [(d.doc, d.index, d.text) for d in docs] == [(0, 0, "one"), (1, 1, "two")]
    p.write_bytes(b'{"text": "one"}\n\n"just a string"\n')
    with pytest.raises(CorpusError, match=r"a\.jsonl:3: expected a JSON object, got str"):
        list(iter_documents(p))
    p.write_bytes(b'{"text": "one"}\n{"text": null}\n')
    with pytest.raises(CorpusError, match=r"a\.jsonl:2: field 'text' must be a string, got NoneType"):
        list(iter_documents(p))


def test_jsonl_reads_what_the_json_module_reads(tmp_path: Path) -> None:
    """Lines the fast parser (orjson, strict RFC 8259) rejects are read the json module's way:
    NaN and big numbers in other fields, a lone surrogate escape, a BOM-less non-ASCII text,
    invalid UTF-8 under errors='replace' -- the texts are exactly json.loads' texts."""
    lines = [
        b'{"text": "caf\xc3\xa9 \\u00e9\\n", "score": NaN}',
        b'{"text": "lone \\ud800 surrogate", "big": 123456789012345678901234567890}',
        b'{"text": "inf", "x": -Infinity}',
        b'{"text": "bad \xff byte"}',
        b'{"text": "dup", "text": "last wins"}',
    ]
    p = tmp_path / "a.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    expected = [json.loads(raw.decode("utf-8", "replace"))["text"] for raw in lines]
    with pytest.warns(UserWarning, match=r"replaced 1 invalid UTF-8"):
        got = [d.text for d in iter_documents(p, encoding_errors="replace")]
    assert got == expected
    with pytest.raises(CorpusError, match=r"a\.jsonl:4: invalid UTF-8 at byte offset"):
        list(iter_documents(p))
