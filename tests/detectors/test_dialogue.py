"""dialogue-password: a password given as the answer to a question about one (chat logs, tickets); one
(payload, secret or None) table through the whole scanner with every type but PII."""

from __future__ import annotations

import pytest
from detector_support import flood_cpu_seconds
from support import CPU_CEILING

from sanitize import ScanConfig, scan
from sanitize.detectors.dialogue import DIALOGUE_PASSWORD

CASES: list[tuple[str, str | None]] = [
    ("User: what's the wifi password?\nAssistant: It's Tx5wQ8nLm2Vz, case sensitive.", "Tx5wQ8nLm2Vz"),
    ("Q: What is the root password for db01?\nA: Hk3nW8qZr5Tb", "Hk3nW8qZr5Tb"),
    ("Q: What is the root password for db01? A: Hk3nW8qZr5Tb", "Hk3nW8qZr5Tb"),  # on one line
    ("Q: What is a good password? Answer: one you do not reuse", None),
    ("[10:41] alice: what's the vpn password?\n[10:42] bob: sure, Kd8#qLm2vZ", "Kd8#qLm2vZ"),
    ("[10:41] alice: what's the vpn password?\n[10:42] bob: sure, Kd8#qLm2vZ!", "Kd8#qLm2vZ!"),
    ("any idea what the admin password is?\n\nit's Mq7vT2pLx9Rw", "Mq7vT2pLx9Rw"),  # a blank line between
    ('so what\'s the pw?\nbob: "hunter two 2"', "hunter two 2"),  # quoted: taken whole
    ("What's the guest wifi password?\nguest2024", "guest2024"),
    (
        "[09:14] ana: what's the vpn pw?\n[09:15] raj: sure, v.Y0WWbJqLS8OU",
        "v.Y0WWbJqLS8OU",
    ),  # data, not code
    # prose answers, code, and answers too weak to tell from a word
    ("Forgot your password?\nClick here to reset it.", None),
    ("Q: Can I change my password?\nA: Yes, in Settings > Security.", None),
    ("What is a strong password?\nA: One with 12+ characters", None),
    ("Did you change the password?\nYes, it's different now.", None),
    ("What's the password?\nA: 12345678", None),  # digits only
    ("Where do I find the password?\nIn the vault: https://vault.acme.test/ui/secret/db", None),
    ("# do we need the password?\nfoo_bar2 = baz", None),  # code after a comment
    ("# what is the password?\nself.pw2 = get_pw()", None),
    ("what is the password?\nA: <your password>", None),
    ('if password?\n  raise "x"', None),  # Ruby, not a question
]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_dialogue_password(payload: str, secret: str | None) -> None:
    found = [
        (f.type, payload[f.start : f.end])
        for f in scan([payload], ScanConfig(types=["password", "generic_secret", "private_key"]))
    ]
    assert found == ([("password", secret)] if secret else []), payload


@pytest.mark.parametrize(
    "unit", ["what is the password?\n", "what is the password?\nA: ", "pw?\n", "what password ", "a: it's "]
)
def test_linear_on_a_megabyte_of_questions(unit: str) -> None:
    assert flood_cpu_seconds(DIALOGUE_PASSWORD, unit, ["password"]) < CPU_CEILING
