"""user-map-password: a YAML map of username -> password under a credentials heading; the span is the value."""

from __future__ import annotations

import pytest
from detector_support import flood_cpu_seconds
from support import CPU_CEILING

from sanitize import ScanConfig
from sanitize.detectors.user_maps import USER_MAP_PASSWORD
from sanitize.scanner import Scanner

SCANNER = Scanner(ScanConfig(types=["password"]))

CASES: list[tuple[str, list[str]]] = [
    (
        'credentials:\n  bob: Zq8Xw6Ec4R\n  ann: "Pm3#Ln5Kb7"\n  carl: admin\nother: 1\n',
        ["Zq8Xw6Ec4R", "Pm3#Ln5Kb7"],
    ),
    ("creds:\n  svc_backup: Dk7=Fm2Qx5  # rotate monthly\n", ["Dk7=Fm2Qx5"]),
    (
        "app:\n  passwords:\n    db: Qp9#Wo7Ei5\n    cache: ${CACHE_PASSWORD}\n",
        ["Qp9#Wo7Ei5"],
    ),  # under passwords: any key
    (
        "credentials:\n  bob: Zq8Xw6Ec4R\n    nested: Qp9Wo7Ei5R\n  ann: Pm3Ln5Kb7Q\n",
        ["Zq8Xw6Ec4R"],
    ),  # the block ends
    ("credentials:\n  bob: Summer2024\n", ["Summer2024"]),  # a weak password is one
    (
        "credentials:\n  svc_orders: 2_aSuiR_pOBQOf\n",
        ["2_aSuiR_pOBQOf"],
    ),  # pieces with inner capitals are no words
    # not passwords
    ("users:\n  alice: Zq8Xw6Ec4R\n", []),  # users: roles, uids, chat ids
    ("users:\n  alice: admin\n  bob: 1001\n", []),
    ("credentials:\n  client: Zq8Xw6Ec4R\n  region: eu-west-1\n", []),  # fields of one credential
    ("credentials:\n  alice: 3f786850e387550fdab836ed7e6dc881de23001b\n", []),  # a digest
    ("credentials:\n  alice: alice@acme.test\n  bob: prod-eu-1\n  carl: Facebook\n", []),
    ("credentials:\n  svc: myService-prod\n  ops: EU_WEST_2\n", []),  # camelCase and upper-case words
    ("credentials:\n  bob:\n    password: x\n", []),  # a nested map
    ("basic_auth_users:\n  admin: $2y$10$KIXQJ4zN8y7u0c5bU3mXo.Hn3JfQy9Jg0Xv1b2Ytq4RkWzEo8aB6C\n", []),
    ("credentials:\n  bob: ${BOB_PASSWORD}\n  ann: &ann_pw\n", []),
    ("credentials: see the vault\n  bob: Zq8Xw6Ec4R\n", []),  # no heading: a value follows the colon
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_user_map(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e, _, _ in SCANNER.spans(text)] == expected


@pytest.mark.parametrize(
    "unit", ["credentials:\n", "credentials:\n  bob: Zq8Xw6Ec4R\n", "creds:\n  a: b\n    c: d\n"]
)
def test_linear_on_a_megabyte_of_maps(unit: str) -> None:
    assert flood_cpu_seconds(USER_MAP_PASSWORD, unit, ["password"]) < CPU_CEILING
