"""Safety: no detector takes more than 1 s (CPU) on a 1 MB adversarial line.

Payloads: a truncated valid value of each detector repeated back to back (so every window overlaps
the next and the detector runs over the whole megabyte), its keywords with an assignment after each,
and shapes that make backtracking regexes explode (long digit, letter, separator and e-mail-ish
runs). CPU time, not wall time, so a busy shared machine does not fail the bound.
"""

from __future__ import annotations

import random

import pytest
from support import CPU_CEILING, linear_cpu_seconds

from sanitize import ScanConfig
from sanitize.detectors import DETECTORS, SPECS
from sanitize.scanner import Scanner

MB = 1_000_000
LIMIT_S = CPU_CEILING


def _fill(unit: str) -> str:
    return (unit * (MB // len(unit) + 1))[:MB]


GENERIC = {
    "digits": _fill("1"),
    "digit groups": _fill("4539 "),
    "dashed digits": _fill("1-"),
    "plus digits": _fill("+1 "),
    "letters": _fill("a"),
    "base64": _fill("aZ09+/"),
    "at signs": _fill("a@"),
    "dotted": _fill("a.b@c."),
    "url userinfo": _fill("s://u:p"),
    "begin markers": _fill("-----BEGIN RSA PRIVATE KEY-----\n"),
    "jwt-ish": "eyJ" + _fill("a.eyJ"),
    "assignments": _fill("password = secret_token: key= the quiet garden builds a river. "),
    "tuple assignments": _fill("a, pwd = 'x', "),
    "tuple targets": _fill("a, b, pwd, "),
    "keyword arguments": _fill("f(a, pw=abc_def, key=XXH3_kSecret + k, "),  # code_values: in_call, is_operand
    "docstring fields": _fill(
        ":param str db_password: first pass: "
    ),  # code_values: in_doc_field, is_pass_of_kind
    "number lists": _fill("[4111111111111111, 86400000, "),  # cards: in_number_list
    # a short key with a spaced value on one long line: the user-before test once read the whole text before
    # each key (a 400 KB line of "pass abc " took 171 CPU-s)
    "spaced short keys": _fill("pass abc "),
    "user then spaced key": _fill("user bob pass abc "),
}


def _cpu_seconds(scanner: Scanner, text: str) -> float:
    """CPU seconds of one scan, after checking it scales linearly (support.linear_cpu_seconds)."""
    return linear_cpu_seconds(scanner.spans, text)


@pytest.mark.parametrize("name", sorted(GENERIC))
def test_generic_adversarial_lines(name: str) -> None:
    """All detectors at once; only when together they pass the bound is each one checked alone
    (the total bounds every part)."""
    text = GENERIC[name]
    if _cpu_seconds(Scanner(ScanConfig(include_ip=True)), text) < LIMIT_S:
        return
    slow = {}
    for d in DETECTORS:
        if (t := _cpu_seconds(Scanner(ScanConfig(types=[d.secret_type])), text)) >= LIMIT_S:
            slow[d.secret_type] = round(t, 2)
    assert not slow, f"{name}: CPU seconds per 1 MB line {slow}"


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.secret_type)
def test_each_detector_on_its_own_triggers(detector) -> None:  # type: ignore[no-untyped-def]
    """This detector alone (a type may have several: ``password`` has a dozen) on its own triggers."""
    scanner = Scanner(ScanConfig(types=[detector.secret_type]), detectors=[detector])
    value = SPECS[detector.secret_type].fake(random.Random(0))
    payloads = {"own value": _fill(value[:-1] + " "), "own value prefix": _fill(value[: len(value) // 2])}
    if detector.keywords:
        # every keyword once per ~100 characters, each followed by an assignment the detector must parse
        payloads["own keywords"] = _fill(
            " = ".join(detector.keywords) + " is the quiet garden by the river. "
        )
    slow = {
        name: round(t, 2) for name, text in payloads.items() if (t := _cpu_seconds(scanner, text)) >= LIMIT_S
    }
    assert not slow, f"{detector.secret_type}: CPU seconds per 1 MB line {slow}"
