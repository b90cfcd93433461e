"""Scanner benchmark: per-type precision/recall on a planted corpus, MB/s, linearity, end to end, peer, RSS.

Generates a labeled JSONL corpus with :mod:`sanitize_lab.synth` (mixed prose/chat/email/code/config/JSON/log
filler, every scanner type planted in all its writing styles, every hard-negative kind as decoys), then

* scans it in-process with ``scan(texts, ScanConfig(include_ip=True))`` on growing prefixes (time
  linear in size?) and scores the full run: a finding matches a planted label when the documents are
  equal, the spans overlap and the types agree; ``exact`` is the share of labels found with the exact
  span. Every occurrence is a label, so deduplicating scanners lose recall;
* runs ``sanitize scan FILE --out ...`` as a subprocess (startup included) and reads its peak RSS
  (``os.wait4`` of that child) and checks the findings file and stderr hold no planted plaintext.
  It runs from a byte-compiled copy of the package, as ``pip install`` leaves it (the peer is
  installed so too), best of ``--cli-repeat`` runs (median in the note); one more row runs this
  checkout as it is (under PYTHONDONTWRITEBYTECODE=1 every module is recompiled at every start);
* with ``--peer detect-secrets`` runs ``detect-secrets scan FILE`` on the same file, prints the speed
  ratio and the peer's recall per type (line level: a label counts as found when the peer reports a
  compatible type on the label's JSONL line -- lenient to the peer, which reports no columns);
* with ``--rss-gb 1`` writes a 1 GB JSONL to a temporary folder, scans it through the CLI and prints
  peak RSS (acceptance: < 500 MB) and MB/s.

Everything is measured side by side in one run; the machine is shared, so treat timings as noisy.

    OMP_NUM_THREADS=1 python benchmarks/scan.py --mb 20 --peer detect-secrets
    OMP_NUM_THREADS=1 python benchmarks/scan.py --rss-gb 1 --mb 0
    OMP_NUM_THREADS=1 python benchmarks/scan.py --mb 20 --profile 25
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: use this checkout's package
    sys.path.insert(0, str(ROOT))

from sanitize.commands.scan import _num_proc  # noqa: E402
from sanitize.types import Finding  # noqa: E402
from sanitize_lab import synth  # noqa: E402

MB = 1_000_000

# detect-secrets secret_type -> our types it can stand for (lenient: entropy/keyword hits count for
# every keyword-only type, since the peer cannot tell them apart)
_KEYWORDISH = ("password", "generic_secret", "aws_secret_access_key", "azure_storage_key")
PEER_TYPES: dict[str, tuple[str, ...]] = {
    "AWS Access Key": ("aws_access_key_id", "aws_secret_access_key"),
    "Azure Storage Account access key": ("azure_storage_key",),
    "Basic Auth Credentials": ("password",),
    "Secret Keyword": _KEYWORDISH,
    "Base64 High Entropy String": (*_KEYWORDISH, "jwt"),
    "Hex High Entropy String": (*_KEYWORDISH, "twilio_key"),
    "GitHub Token": ("github_token",),
    "GitLab Token": ("gitlab_token",),
    "JSON Web Token": ("jwt",),
    "NPM tokens": ("npm_token",),
    "OpenAI Token": ("openai_key",),
    "Private Key": ("private_key",),
    "SendGrid API Key": ("sendgrid_key",),
    "Slack Token": ("slack_token",),
    "Stripe Access Key": ("stripe_key",),
    "Telegram Bot Token": ("telegram_bot_token",),
    "Twilio API Key": ("twilio_key",),
    "Public IP (ipv4)": ("ip_address",),
}


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (0: skip, e.g. with --rss-gb)")
    p.add_argument("--seed", type=int, default=0, help="corpus seed")
    p.add_argument("--items-per-type", type=int, default=40, help="distinct planted values per type")
    p.add_argument("--decoys-per-kind", type=int, default=40, help="planted hard negatives per kind")
    p.add_argument(
        "--fractions",
        default="0.25,0.5,1",
        help="prefix fractions of the corpus timed in-process (linearity)",
    )
    p.add_argument("--repeat", type=int, default=1, help="in-process timings: best of N")
    p.add_argument("--no-cli", action="store_true", help="skip the `sanitize scan` subprocess")
    p.add_argument(
        "--cli-repeat",
        type=int,
        default=3,
        help="`sanitize scan` runs (installed copy): best of N, and median",
    )
    p.add_argument(
        "--num-proc",
        type=int,
        default=2,
        help="also run `sanitize scan --num-proc N` (worker processes; 0 or 1: skip that row)",
    )
    p.add_argument("--peer", choices=["detect-secrets"], default=None, help="also run this peer on the file")
    p.add_argument("--rss-gb", type=float, default=0.0, help="also scan a JSONL of this many GB via the CLI")
    p.add_argument("--profile", type=int, default=0, help="cProfile the full in-process scan; print N rows")
    p.add_argument("--workdir", default=None, help="where to write the corpus (default: a temp dir, removed)")
    p.add_argument(
        "--details", type=int, default=6, help="misses / false positives listed per type (0: none)"
    )
    p.add_argument(
        "--tree",
        action="append",
        default=[],
        help="also scan every text file under this folder, a tree taken to hold no secrets (a library's\n"
        "source, e.g. the standard library): findings per type and detector, as file:line only (repeatable)",
    )
    p.add_argument(
        "--formats",
        type=int,
        default=0,
        help="also score the 'formats' corpus (every format family and vendor provider, hard negatives\n"
        "as decoys): N documents per template; per-family and per-provider precision/recall",
    )
    return p


# --------------------------------------------------------------------------------------------------
# scoring


def score(
    findings: Sequence[Finding], corpus: synth.SynthCorpus, types: Sequence[str] = synth.TYPES
) -> dict[str, Any]:
    """Per-type TP/FP/recall/exact, plus the style of each miss and the source of each false positive."""
    labels = defaultdict(list)  # (doc, type) -> [(start, end, style)]
    for p in corpus.planted:
        labels[p.label.doc, p.label.type].append((p.label.start, p.label.end, p.style))
    any_label = defaultdict(list)  # doc -> [(start, end, type)]
    for p in corpus.planted:
        any_label[p.label.doc].append((p.label.start, p.label.end, p.label.type))
    decoys = defaultdict(list)
    for d in corpus.decoys:
        decoys[d.doc].append((d.start, d.end, d.kind))

    found: set[tuple[int, str, int]] = set()  # (doc, type, label start)
    exact: set[tuple[int, str, int]] = set()
    stats = {t: Counter() for t in types}
    fp_sources: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        hit = False
        for s, e, _ in labels.get((f.doc, f.type), ()):
            if f.start < e and s < f.end:
                hit = True
                found.add((f.doc, f.type, s))
                if (f.start, f.end) == (s, e):
                    exact.add((f.doc, f.type, s))
        st = stats.setdefault(f.type, Counter())
        st["findings"] += 1
        if hit:
            st["tp"] += 1
            continue
        st["fp"] += 1
        source = "filler/context"
        for s, e, kind in decoys.get(f.doc, ()):
            if f.start < e and s < f.end:
                source = f"decoy:{kind}"
        for s, e, t in any_label.get(f.doc, ()):
            if f.start < e and s < f.end:
                source = f"label:{t}"
        fp_sources[f.type][source] += 1

    misses: dict[str, Counter] = defaultdict(Counter)
    styles: dict[str, Counter] = defaultdict(Counter)
    for p in corpus.planted:
        key = (p.label.doc, p.label.type, p.label.start)
        st = stats.setdefault(p.label.type, Counter())
        st["labels"] += 1
        styles[p.label.type][p.style] += 1
        if key in found:
            st["found"] += 1
        else:
            misses[p.label.type][p.style] += 1
        if key in exact:
            st["exact"] += 1
    return {"stats": stats, "misses": misses, "styles": styles, "fp_sources": fp_sources}


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def quality_rows(scored: dict[str, Any]) -> list[tuple[str, int, int, int, int, float, float, float]]:
    rows = []
    total = Counter()
    for t, st in scored["stats"].items():
        total.update(st)
        prec = _ratio(st["tp"], st["findings"]) if st["findings"] else (1.0 if st["labels"] == 0 else 0.0)
        rows.append((t, st["labels"], st["findings"], st["tp"], st["fp"], prec, _ratio(st["found"], st["labels"]),
                     _ratio(st["exact"], st["labels"])))  # fmt: skip
    rows.append(("ALL", total["labels"], total["findings"], total["tp"], total["fp"],
                 _ratio(total["tp"], total["findings"]), _ratio(total["found"], total["labels"]),
                 _ratio(total["exact"], total["labels"])))  # fmt: skip
    return rows


# --------------------------------------------------------------------------------------------------
# running things


# Linux carries a process's peak RSS across exec (ru_maxrss), and a child forked from this
# benchmark starts with the benchmark's own pages (the corpus in memory). So children are started
# by a tiny launcher, itself a fresh ~10 MB Python, which reports its child's rusage.
_LAUNCHER = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - t0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump([rc, wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024], fh)  # ru_maxrss: KiB on Linux
"""


def _run_child(
    cmd: Sequence[str], cwd: Path, stdout: Path, stderr: Path, package_root: Path = ROOT
) -> tuple[int, float, float, float]:
    """Run ``cmd``; return (exit code, wall seconds, CPU seconds, peak RSS in MB) of that child alone.
    ``package_root`` is put first on the child's PYTHONPATH (where ``sanitize`` is imported from)."""
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), TQDM_DISABLE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(package_root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    report = Path(stderr).with_suffix(".rusage.json")
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(report), *cmd]
        rc = subprocess.call(launcher, cwd=cwd, stdout=out, stderr=err, env=env)
    if not report.exists():
        raise RuntimeError(f"the measuring launcher failed ({rc}) for {cmd[0]}")
    rc, wall, cpu, rss = json.loads(report.read_text())
    return rc, wall, cpu, rss


def write_jsonl(records: Sequence[dict[str, str]], path: Path) -> int:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path.stat().st_size


def run_cli(
    path: Path,
    workdir: Path,
    name: str = "cli",
    package_root: Path = ROOT,
    repeat: int = 1,
    extra: Sequence[str] = (),
) -> dict[str, Any]:
    out = workdir / f"{name}-findings.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "sanitize",
        "scan",
        str(path),
        "--out",
        str(out),
        "--include-ip",
        "--no-progress",
        *extra,
    ]
    runs = []
    for _ in range(max(1, repeat)):
        runs.append(
            _run_child(cmd, workdir, workdir / f"{name}.stdout", workdir / f"{name}.stderr", package_root)
        )
        rc = runs[-1][0]
        if rc not in (0, 1) or not out.exists():
            tail = (workdir / f"{name}.stderr").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"`sanitize scan` failed with exit code {rc}:\n{tail}")
    from sanitize.findings import read_findings

    walls = sorted(r[1] for r in runs)
    return {
        "seconds": walls[0],  # best of `repeat`: the machine is shared, bursts of load only add time
        "median_seconds": walls[len(walls) // 2],
        "cpu": min(r[2] for r in runs),
        "rss_mb": max(r[3] for r in runs),
        "rc": rc,
        "runs": len(runs),
        "findings": read_findings(out),
        "out": out,
    }


def installed_copy(workdir: Path) -> Path:
    """A byte-compiled copy of this checkout's package, as ``pip install`` leaves it; returns the
    folder to put on PYTHONPATH. Without it a checkout under PYTHONDONTWRITEBYTECODE=1 recompiles
    every module at every start (~50 ms), which no installed package does -- nor the peer."""
    import compileall

    root = workdir / "installed"
    shutil.copytree(ROOT / "sanitize", root / "sanitize", ignore=shutil.ignore_patterns("__pycache__"))
    if not compileall.compile_dir(root / "sanitize", quiet=1):
        raise RuntimeError("byte-compiling the installed copy failed")
    return root


def run_peer(path: Path, workdir: Path) -> dict[str, Any]:
    exe = shutil.which("detect-secrets") or str(Path(sys.executable).with_name("detect-secrets"))
    if not Path(exe).exists():
        raise SystemExit("--peer detect-secrets: the `detect-secrets` command is not installed")
    rc, wall, cpu, rss = _run_child(
        [exe, "scan", path.name], path.parent, workdir / "peer.json", workdir / "peer.err"
    )
    if rc != 0:
        raise RuntimeError(f"detect-secrets failed ({rc}): {(workdir / 'peer.err').read_text()[-2000:]}")
    results = json.loads((workdir / "peer.json").read_text())["results"]
    lines: dict[int, set[str]] = defaultdict(set)  # JSONL line (0-based doc) -> our types it may stand for
    n = 0
    for hits in results.values():
        for h in hits:
            n += 1
            lines[h["line_number"] - 1].update(PEER_TYPES.get(h["type"], ()))
    return {"seconds": wall, "cpu": cpu, "rss_mb": rss, "n": n, "lines": lines}


def peer_recall(peer: dict[str, Any], corpus: synth.SynthCorpus) -> dict[str, float]:
    hit, total = Counter(), Counter()
    for p in corpus.planted:
        total[p.label.type] += 1
        hit[p.label.type] += p.label.type in peer["lines"].get(p.label.doc, ())
    return {t: hit[t] / total[t] for t in total}


def leaked_plaintext(corpus: synth.SynthCorpus, *paths: Path) -> int:
    """How many distinct planted values (>= 8 chars) appear verbatim in the given files."""
    texts = [r["text"] for r in corpus.records]
    values = {texts[lb.doc][lb.start : lb.end] for lb in corpus.labels} - {""}
    blob = "\n".join(p.read_text(errors="replace") for p in paths if p.exists())
    return sum(1 for v in values if len(v) >= 8 and v in blob)


def write_big_jsonl(path: Path, n_bytes: int, seed: int) -> int:
    """A JSONL of about ``n_bytes`` bytes: one ~25 MB labeled chunk written until the size is reached."""
    records = synth.plant_corpus(25 * MB, seed, items_per_type=40, decoys_per_kind=40).records
    chunk = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    written = 0
    with open(path, "wb") as fh:
        while written < n_bytes:
            fh.write(chunk)
            written += len(chunk)
    return written


# --------------------------------------------------------------------------------------------------


def main(args: argparse.Namespace | Sequence[str] | None = None) -> dict[str, Any]:
    if not isinstance(args, argparse.Namespace):
        args = make_parser().parse_args(args)
    from sanitize.scanner import ScanConfig, Scanner, scan

    own_dir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="scan-bench-") if own_dir else args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    speed: list[tuple[str, float, float, float, float, str]] = []  # what, MB, wall s, CPU s, RSS MB, note
    try:
        if args.mb > 0:
            t0 = time.perf_counter()
            corpus = synth.plant_corpus(
                int(args.mb * MB), args.seed, args.items_per_type, decoys_per_kind=args.decoys_per_kind
            )
            texts = [r["text"] for r in corpus.records]
            path = workdir / "corpus.jsonl"
            file_bytes = write_jsonl(corpus.records, path)
            text_mb = sum(len(t.encode()) for t in texts) / MB
            print(
                f"corpus: {file_bytes / MB:.1f} MB JSONL ({text_mb:.1f} MB of text), {len(texts)} records, "
                f"{len(corpus.planted)} planted occurrences of {len(synth.TYPES)} types, "
                f"{len(corpus.decoys)} decoys of {len(synth.DECOY_KINDS)} kinds, seed {args.seed} "
                f"(generated in {time.perf_counter() - t0:.1f}s)\n"
            )
            config = ScanConfig(include_ip=True)
            scan(texts[:20], config)  # warm-up: compile patterns once, outside the timings
            findings: list[Finding] = []
            fractions = sorted({float(x) for x in args.fractions.split(",") if x.strip()} | {1.0})
            parts = [
                (f"scan() in-process, {f:g} of corpus", texts[: max(1, round(len(texts) * f))])
                for f in fractions
            ]
            ascii_docs = [t for t in texts if t.isascii()]
            if 0 < len(ascii_docs) < len(texts):  # the two paths a scanner may take, side by side
                parts.append((f"scan() ASCII docs only ({len(ascii_docs)})", ascii_docs))
                parts.append((f"scan() non-ASCII docs only ({len(texts) - len(ascii_docs)})",
                              [t for t in texts if not t.isascii()]))  # fmt: skip
            for what, part in parts:
                mb = sum(len(t.encode()) for t in part) / MB
                best, best_cpu = float("inf"), float("inf")
                for _ in range(max(1, args.repeat)):
                    t0, c0 = time.perf_counter(), time.process_time()
                    out = scan(part, config)
                    best = min(best, time.perf_counter() - t0)
                    best_cpu = min(best_cpu, time.process_time() - c0)
                if len(part) == len(texts) and not findings:
                    findings = out  # the full corpus: scored below
                speed.append((what, mb, best, best_cpu, float("nan"), ""))

            # the same in-process loop with the detectors before issue 18 and with all of them, the two
            # interleaved (one pass each per repeat, after a warm pass each that builds RE2's DFA states):
            # on a shared machine a slow spell then costs both, not whichever ran during it
            pair = [
                [
                    "scan_text() detectors before issue 18",
                    Scanner(config, legacy_detectors()),
                    math.inf,
                    math.inf,
                ],
                ["scan_text() all detectors", Scanner(config), math.inf, math.inf],
            ]
            for _, scanner, _, _ in pair:
                for i, t in enumerate(texts):
                    scanner.scan_text(t, i)
            for _ in range(max(1, args.repeat)):
                for entry in pair:
                    scanner = entry[1]
                    t0, c0 = time.perf_counter(), time.process_time()
                    for i, t in enumerate(texts):
                        scanner.scan_text(t, i)
                    entry[2] = min(entry[2], time.perf_counter() - t0)
                    entry[3] = min(entry[3], time.process_time() - c0)
            for what, _, best, best_cpu in pair:
                speed.append((what, text_mb, best, best_cpu, float("nan"), ""))
            before, after = speed[-2][3], speed[-1][3]
            speed[-1] = (*speed[-1][:5], f"CPU {after / before - 1:+.1%} vs the detectors before issue 18")

            scored = score(findings, corpus)
            rows = quality_rows(scored)
            result.update(rows=rows, scored=scored, n_findings=len(findings))

            peer = None
            if not args.no_cli:
                installed = installed_copy(workdir)
                one = ["--num-proc", "1"]
                source = run_cli(path, workdir, name="cli-source", extra=one)  # this checkout, as it is
                cli = run_cli(path, workdir, package_root=installed, repeat=args.cli_repeat, extra=one)
                leaks = leaked_plaintext(corpus, cli["out"], workdir / "cli.stderr", workdir / "cli.stdout")
                key = lambda f: (f.doc, f.start, f.end, f.type)  # noqa: E731
                same = (
                    "same spans as scan()"
                    if sorted(map(key, cli["findings"])) == sorted(map(key, findings))
                    else "DIFFERS from scan()"
                )
                speed.append(("sanitize scan FILE --num-proc 1 (CLI, e2e)", file_bytes / MB, cli["seconds"], cli["cpu"],
                              cli["rss_mb"], f"{len(cli['findings'])} findings, {same}; installed copy (.pyc), "
                              f"best of {cli['runs']} (median {cli['median_seconds']:.2f}s)"))  # fmt: skip
                speed.append(("sanitize scan FILE (checkout as is)", file_bytes / MB, source["seconds"],
                              source["cpu"], source["rss_mb"], "this checkout as is (PYTHONDONTWRITEBYTECODE="
                              f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}), one run"))  # fmt: skip
                # the defaults (--num-proc auto), and --num-proc N when asked: worker processes, same file
                parallel = [("cli-auto", f"(default: {_num_proc('auto')} procs)", [])]
                if args.num_proc > 1:
                    parallel.append(
                        ("cli-procs", f"--num-proc {args.num_proc} (e2e)", ["--num-proc", str(args.num_proc)])
                    )
                for name, label, extra in parallel:
                    par = run_cli(
                        path, workdir, name=name, package_root=installed, repeat=args.cli_repeat, extra=extra
                    )
                    leaks += leaked_plaintext(
                        corpus, par["out"], workdir / f"{name}.stderr", workdir / f"{name}.stdout"
                    )
                    same = (
                        "same findings file"
                        if par["out"].read_bytes() == cli["out"].read_bytes()
                        else "DIFFERS"
                    )
                    speed.append((f"sanitize scan FILE {label}", file_bytes / MB, par["seconds"], par["cpu"],
                                  par["rss_mb"], f"{same} as one process; CPU and RSS of all processes, best of "
                                  f"{par['runs']} (median {par['median_seconds']:.2f}s)"))  # fmt: skip
                result.update(cli=cli, leaks=leaks)
            if args.peer:
                peer = run_peer(path, workdir)
                speed.append(("detect-secrets scan FILE (peer, e2e)", file_bytes / MB, peer["seconds"], peer["cpu"],
                              peer["rss_mb"], f"{peer['n']} results (one per secret per file)"))  # fmt: skip
                result["peer_recall"] = peer_recall(peer, corpus)

            _print_quality(rows, result.get("peer_recall"))
            if args.details:
                _print_details(scored, args.details)
            if args.profile:
                prof = cProfile.Profile()
                prof.enable()
                scan(texts, config)
                prof.disable()
                buf = io.StringIO()
                pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(args.profile)
                print("\nprofile of scan() over the whole corpus (by own time):")
                print("\n".join(buf.getvalue().splitlines()[4:]))
        if args.formats > 0:
            result["formats"] = formats_report(args.formats, args.seed, args.details)
        for tree in args.tree:
            result.setdefault("trees", {})[tree] = tree_report(Path(tree), args.details)
        if args.rss_gb > 0:
            big = workdir / "big.jsonl"
            size = write_big_jsonl(big, int(args.rss_gb * 1000 * MB), args.seed + 1)
            cli = run_cli(big, workdir, name="big")
            speed.append(("sanitize scan BIG --out (CLI, streaming)", size / MB, cli["seconds"], cli["cpu"], cli["rss_mb"],
                          f"{len(cli['findings'])} findings; RSS < 500 MB: {cli['rss_mb'] < 500}"))  # fmt: skip
            result["big"] = {k: v for k, v in cli.items() if k != "findings"}
            big.unlink()
        _print_speed(speed)
        if "leaks" in result:
            print(f"\nplanted plaintext found in the CLI's findings file/stdout/stderr: {result['leaks']}")
        result["speed"] = speed
        return result
    finally:
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)


def legacy_detectors() -> list[Any]:
    """The built-in detectors as they were before issue 18 (no format or vendor detectors)."""
    from sanitize.detectors import DETECTORS, formats, private_keys, vendors

    new = {
        id(d)
        for d in (*formats.all_detectors(), *vendors.all_detectors(), private_keys.PUTTY_KEY,
                  private_keys.JWK_PRIVATE_KEY, private_keys.RSA_XML_KEY)
    }  # fmt: skip
    return [d for d in DETECTORS if id(d) not in new]


def score_formats(findings: Sequence[Finding], corpus: synth.SynthCorpus) -> dict[str, Counter]:
    """Per family (``vendor/<provider>`` counted under ``vendor`` too): labels, found, findings, TP.
    A finding is a TP when it overlaps a label of its document with a type the family allows
    (:data:`sanitize_lab.synth.formats.FAMILIES`; a provider: its rule's type)."""
    from sanitize_lab.synth.formats import FAMILIES

    family_of: dict[int, str] = {d.doc: d.kind for d in corpus.decoys}
    labels: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for p in corpus.planted:
        family_of[p.label.doc] = p.style
        labels[p.label.doc].append((p.label.start, p.label.end, p.label.type))
    stats: dict[str, Counter] = defaultdict(Counter)
    found: set[tuple[int, int]] = set()
    for f in findings:
        family = family_of.get(f.doc, "filler")
        allowed = FAMILIES[family][0] if family in FAMILIES else ()
        hit = [
            (s, t)
            for s, e, t in labels.get(f.doc, ())
            if f.start < e and s < f.end and (f.type in allowed or f.type == t)
        ]
        for name in {family, family.split("/")[0]}:
            stats[name]["findings"] += 1
            stats[name]["tp"] += bool(hit)
        found.update((f.doc, s) for s, _ in hit)
    for p in corpus.planted:
        for name in {p.style, p.style.split("/")[0]}:
            stats[name]["labels"] += 1
            stats[name]["found"] += (p.label.doc, p.label.start) in found
    return stats


TREE_SUFFIXES = (".py", ".txt", ".cfg", ".ini", ".json", ".xml", ".html", ".md", ".rst", ".toml", ".yaml", ".yml",
                 ".sh", ".js", ".ts", ".java", ".go", ".rb", ".php", ".c", ".h", ".cpp", ".properties", ".conf")  # fmt: skip


PII_TYPES = ("email", "phone", "ip_address", "iban", "us_ssn")


def tree_report(root: Path, details: int) -> dict[str, Any]:
    """Findings of the default scanner over a tree without secrets: every one is a false positive unless the tree
    carries test fixtures (then read the listed locations). Values are never printed, only file:line."""
    from sanitize.scanner import Scanner

    scanner = Scanner()
    size, by_detector, where = 0, Counter(), []  # type: ignore[var-annotated]
    t0 = time.process_time()
    for path in sorted(p for p in root.rglob("*") if p.suffix in TREE_SUFFIXES and p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        size += len(text.encode())
        for s, _, _, d in scanner.spans(text):
            by_detector[(d.secret_type, d.name)] += 1
            if d.secret_type not in PII_TYPES:
                where.append(f"{path.relative_to(root)}:{text.count(chr(10), 0, s) + 1} {d.name}")
    pii = sum(n for (t, _), n in by_detector.items() if t in PII_TYPES)
    total = sum(by_detector.values())
    print(f"\ntree {root}: {size / MB:.1f} MB of text, {total} findings ({total - pii} not PII), "
          f"{(total - pii) / max(size / MB, 1e-9):.2f} non-PII per MB, {time.process_time() - t0:.1f} CPU s")  # fmt: skip
    for (t, name), n in by_detector.most_common():
        print(f"  {t:22s} {name:30s} {n:6d}")
    for line in where[:details]:
        print(f"    {line}")
    return {"mb": size / MB, "findings": total, "non_pii": total - pii, "by_detector": dict(by_detector)}


def formats_report(per_template: int, seed: int, details: int) -> dict[str, Any]:
    """Scan the formats corpus; print precision/recall per format family and per provider."""
    from sanitize.scanner import ScanConfig, scan
    from sanitize_lab.synth.formats import formats_corpus

    corpus = formats_corpus(
        seed, per_template=per_template, providers=1000, negatives_per_template=per_template
    )
    findings = scan([r["text"] for r in corpus.records], ScanConfig())
    stats = score_formats(findings, corpus)
    rows = {}
    print(f"\nformats corpus: {len(corpus.records)} documents, {len(corpus.planted)} planted values, "
          f"{len(corpus.decoys)} hard negatives (seed {seed})")  # fmt: skip
    print(f"{'family':<22} {'planted':>7} {'found':>6} {'TP':>5} {'FP':>4} {'precision':>9} {'recall':>7}")
    for name in sorted(n for n in stats if "/" not in n):
        st = stats[name]
        prec = _ratio(st["tp"], st["findings"]) if st["findings"] else 1.0
        rec = _ratio(st["found"], st["labels"]) if st["labels"] else 1.0
        rows[name] = (st["labels"], st["findings"], st["tp"], st["findings"] - st["tp"], prec, rec)
        print(f"{name:<22} {st['labels']:>7} {st['findings']:>6} {st['tp']:>5} {st['findings'] - st['tp']:>4} "
              f"{prec:>9.3f} {rec:>7.3f}")  # fmt: skip
    providers = {n.split("/", 1)[1]: st for n, st in stats.items() if n.startswith("vendor/")}
    missed = sorted(n for n, st in providers.items() if st["found"] < st["labels"])
    noisy = sorted(n for n, st in providers.items() if st["tp"] < st["findings"])
    print(
        f"providers: {len(providers)}, every value found for {len(providers) - len(missed)}; "
        f"missed: {', '.join(missed[: details * 4]) or '-'}; false positives: {', '.join(noisy) or '-'}"
    )
    return {
        "rows": rows,
        "providers": {n: dict(st) for n, st in providers.items()},
        "missed_providers": missed,
    }


def _print_quality(rows: list[tuple], peer: dict[str, float] | None) -> None:
    head = f"{'type':<22} {'planted':>7} {'found':>6} {'TP':>5} {'FP':>4} {'precision':>9} {'recall':>7} {'exact':>6}"
    print(head + ("   peer recall" if peer is not None else ""))
    print("-" * (len(head) + (14 if peer is not None else 0)))
    for t, n, nf, tp, fp, prec, rec, ex in rows:
        line = f"{t:<22} {n:>7} {nf:>6} {tp:>5} {fp:>4} {prec:>9.3f} {rec:>7.3f} {ex:>6.3f}"
        if peer is not None:
            all_rec = sum(peer.values()) / len(peer) if t == "ALL" else peer.get(t, float("nan"))
            line += f"   {all_rec:>11.3f}"
        print(line)
    if peer is not None:
        print("(peer recall: line level, type-mapped, lenient; ALL = mean over types)")


def _print_details(scored: dict[str, Any], k: int) -> None:
    misses, fps = scored["misses"], scored["fp_sources"]
    if misses:
        print("\nmissed labels by type and style (missed/planted in that style):")
        for t, c in sorted(misses.items()):
            parts = [f"{s or '-'} {m}/{scored['styles'][t][s]}" for s, m in c.most_common(k)]
            print(f"  {t:<22} " + ", ".join(parts))
    if fps:
        print("\nfalse positives by type and where they sit:")
        for t, c in sorted(fps.items()):
            print(f"  {t:<22} " + ", ".join(f"{s} {m}" for s, m in c.most_common(k)))


def _print_speed(speed: list[tuple[str, float, float, float, float, str]]) -> None:
    """Wall and CPU time per row; CPU time is the steadier number on a shared machine."""
    if not speed:
        return
    base = next((s for s in speed if s[0].startswith("scan()")), None)
    peer = next((s for s in speed if s[0].startswith("detect-secrets")), None)
    print(f"\n{'measured side by side in this run':<44} {'MB':>6} {'wall s':>7} {'MB/s':>6} {'CPU s':>7} "
          f"{'MB/CPUs':>7} {'CPUs/MB vs first':>16} {'vs peer (wall, CPU)':>19} {'RSS MB':>6}  note")  # fmt: skip
    for what, mb, sec, cpu, rss, note in speed:
        lin = (cpu / mb) / (base[3] / base[1]) if base and mb and base[3] else float("nan")
        vs = ""
        if peer and what.startswith("sanitize scan FILE") and abs(mb - peer[1]) < 1e-6:
            vs = f"{peer[2] / sec:.1f}x, {peer[3] / cpu:.1f}x" if sec and cpu else ""
        rss_s = f"{rss:>6.0f}" if rss == rss else f"{'':>6}"
        lin_s = f"{lin:.2f}" if lin == lin else ""
        print(f"{what:<44} {mb:>6.1f} {sec:>7.2f} {mb / sec if sec else 0:>6.2f} {cpu:>7.2f} "
              f"{mb / cpu if cpu else 0:>7.2f} {lin_s:>16} {vs:>19} {rss_s}  {note}")  # fmt: skip


if __name__ == "__main__":
    main()
