"""`sanitize exposure`: refusals that come before a model is loaded (a secret outside its space, an
exact run over the budget, bad --plot paths, a non-UTF-8 findings file), and no secret-derived
space string in any output without --reveal (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NO_MODEL = "/nonexistent/base-model"  # every refusal here happens before the model is loaded


def _refused(res: Any, *words: str) -> None:
    assert res.code == 2, (res.out, res.err)
    assert res.err.startswith("error: ") and "Traceback" not in res.err
    for w in words:
        assert w in res.err, res.err


def test_secret_outside_its_space_is_refused(cli: Any) -> None:
    res = cli("exposure", "--base", NO_MODEL, "--secret", "hunter2", "--space", "digits:4")
    _refused(res, "not in the candidate space digits:4", "7 characters")
    assert "hunter2" not in res.out + res.err


def test_exact_beyond_the_budget_is_refused_before_enumerating(cli: Any) -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = cli(
        "exposure", "--base", NO_MODEL, "--secret", "1" * 40, "--space", "digits:40", "--method", "exact"
    )
    _refused(res, "--method exact", "1e+40 candidates", "--budget 100000", "--method extrapolated")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB: nothing enumerated


@pytest.mark.parametrize(
    ("plot", "words"),
    [
        ("{tmp}", "is a directory"),
        ("{tmp}/missing/p.png", "parent directory"),
        ("/proc/p.png", "cannot write in /proc"),
        ("{tmp}/truth.jsonl", "is the same file as --canaries"),
    ],
)
def test_bad_plot_path_is_refused(cli: Any, tmp_path: Path, plot: str, words: str) -> None:
    truth = tmp_path / "truth.jsonl"
    truth.write_text(json.dumps({"canary": "1234", "space": "digits:4", "repetitions": 1}) + "\n")
    target = plot.format(tmp=tmp_path)
    res = cli("exposure", "--base", NO_MODEL, "--canaries", truth, "--plot", target)
    _refused(res, f"--plot {target}", words)
    assert json.loads(truth.read_text())["canary"] == "1234"


def test_findings_with_invalid_utf8_name_file_and_line(cli: Any, tmp_path: Path) -> None:
    findings, data = tmp_path / "f.jsonl", tmp_path / "c.jsonl"
    findings.write_bytes(b'{"doc": 0, "start": 0, "end": 4, "type": "pin"}\n{"doc": 0, "\xff": 1}\n')
    data.write_text(json.dumps({"text": "1234"}) + "\n")
    res = cli("exposure", "--base", NO_MODEL, "--findings", findings, "--data", data)
    _refused(res, f"{findings}:2", "not valid UTF-8")


def test_fifo_canaries_are_named(cli: Any, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "truth.jsonl"
    os.mkfifo(fifo)
    _refused(cli("exposure", "--base", NO_MODEL, "--canaries", fifo), "--canaries", "FIFO")


def test_space_of_a_found_secret_is_never_spelled_out(
    cli: Any, gpt2_dir: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.axes

    titles: list[str] = []
    real = matplotlib.axes.Axes.set_title
    monkeypatch.setattr(
        matplotlib.axes.Axes,
        "set_title",
        lambda self, t, *a, **k: (titles.append(t), real(self, t, *a, **k))[1],
    )
    secret = "Да-Нет!ab"  # 2 lowercase slots: 676 candidates, the rest literal
    text = f"the wifi password is {secret} ok"
    data, findings = tmp_path / "c.jsonl", tmp_path / "f.jsonl"
    data.write_text(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    start = text.index(secret)
    findings.write_text(
        json.dumps({"doc": 0, "start": start, "end": start + len(secret), "type": "password"}) + "\n"
    )
    args = ("exposure", "--base", gpt2_dir, "--findings", findings, "--data", data, "--json")
    res = cli(*args, "--plot", tmp_path / "p.png")
    assert res.code == 0, res.err
    records = json.loads(res.out)
    assert {r["space"] for r in records} == {"pattern(len=9: 2 lower, 7 literal)"}
    shown = res.out + res.err + "".join(titles)
    assert "Да" not in shown and "Нет" not in shown and "!" not in shown and secret not in shown
    assert len(titles) == 2 and all(
        "pattern(len=9: 2 lower, 7 literal)" in t and "-" not in t for t in titles
    )
    revealed = json.loads(cli(*args, "--reveal").out)
    assert revealed[0]["secret"] == secret and revealed[0]["space_spec"] == "pattern:Да-Нет!ll"
