"""rich-text-password: HTML tags or Markdown emphasis between a password key and its value."""

from __future__ import annotations

import pytest
from detector_support import flood_cpu_seconds
from support import CPU_CEILING

from sanitize import ScanConfig
from sanitize.detectors.rich_text import RICH_TEXT_PASSWORD
from sanitize.scanner import Scanner

SCANNER = Scanner(ScanConfig(types=["password"]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<tr><td>Password</td><td>Kq8#mZ2xWa</td></tr>", ["Kq8#mZ2xWa"]),
        ("<dt>Password</dt><dd>Lm3#nB8vQz</dd>", ["Lm3#nB8vQz"]),
        ("<b>Password:</b> Hx4$vB9nMq", ["Hx4$vB9nMq"]),
        ("<strong>Password</strong>: Tr7#Lm2q9z\n", ["Tr7#Lm2q9z"]),
        ("Password:<br>Wq8zR3tYp2<br>", ["Wq8zR3tYp2"]),
        ("**Password:** Gf5Hj7Kl9Q", ["Gf5Hj7Kl9Q"]),
        ("* __pwd__: Rt5Yu7Io9P", ["Rt5Yu7Io9P"]),
        ("<p>Your temporary password is <code>Np8~Gt3Lz6</code></p>", ["Np8~Gt3Lz6"]),
        # labels, prose, placeholders
        ("<td>password</td><td>string</td><td>The user's password</td>", []),
        ("<th>Password</th><th>Description</th>", []),
        ("<b>Password:</b> must be 8 characters", []),
        ("<b>Password:</b> ********", []),
        ("**Password:** <your password>", []),
        ("**Password**: changeme", []),
        ('<label for="pw">Password</label><input type="password" id="pw">', []),
    ],
)
def test_rich_text(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e, _, _ in SCANNER.spans(text)] == expected


@pytest.mark.parametrize("unit", ["<b>Password:</b>", "**pwd**", "password <b><i><u><span>", "pw:<br>"])
def test_linear_on_a_megabyte_of_markup(unit: str) -> None:
    assert flood_cpu_seconds(RICH_TEXT_PASSWORD, unit, ["password"]) < CPU_CEILING
