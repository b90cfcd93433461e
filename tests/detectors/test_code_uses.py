"""tuple-pair-password / tuple-pair-secret: a key-value pair written as a two-element tuple, list or
initializer; the span is the value. (The other code uses, form fills and comparisons, are in test_formats.)"""

from __future__ import annotations

import pytest
from detector_support import flood_cpu_seconds
from support import CPU_CEILING

from sanitize import ScanConfig
from sanitize.detectors.code_uses import TUPLE_PAIRS
from sanitize.scanner import Scanner

SCANNER = Scanner(ScanConfig(types=["password", "generic_secret"]))
P, K = "Qm7#zRw2Lp9v", "b8Xk2pQ9mZ4rT7vL1nW5sY3cF6hJ0dG2"

CASES: list[tuple[str, list[str]]] = [
    (f'requests.post(url, data=[("username", "bob"), ("password", "{P}")])', [P]),  # form data
    (f'["password", "{P}"]', [P]),
    (f'params = (("api_key", "{K}"),)', [K]),
    (f'std::map<std::string, std::string> m = {{{{"password", "{P}"}}}};', [P]),  # C++ initializer
    (f'{{password, "{P}"}}', [P]),  # Erlang
    (f'{{default_pass, <<"{P}">>}}', [P]),  # Erlang binary (RabbitMQ's classic config)
    (f'{{:password, "{P}"}}', [P]),  # Elixir
    ('("password", "P@ssw0rd")', ["P@ssw0rd"]),  # a weak password is one
    # not secrets: labels, field lists, names, files, escapes, a third element
    ('choices = [("password", "Password"), ("token", "Token")]', []),
    ('("password", _("Password"))', []),
    ('["password", "confirm_password"]', []),
    ('("secret_key", "SECRET_KEY")', []),
    ('("token", "tokenizer.json")', []),
    ('"bloom": ["query_key_value", "mlp.dense_4h_to_h"]', []),
    ('name in ("_length_per_key", "_offset_per_key")', []),
    ('Union["PythonKeyTracer", "_GraphAppendingTracerEx"]', []),
    ('("qwen2_5_omni_token2wav", "qwen2_5_omni")', []),
    ("[('key', '\\u0141\\xE9')]", []),
    ("collections.namedtuple('TokenInfo', 'type string start end line')", []),
    ('("password", "{password}")', []),
    ('("password", "")', []),
    (f'("password", "{P}", "extra")', []),
    (f'hmac.new(secret, "{K}")', []),  # a name, not a quoted key
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_tuple_pair(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e, _, _ in SCANNER.spans(text)] == expected


@pytest.mark.parametrize("unit", ['("password", "', '{password, <<"', f'[("token", "{K}"), '])
def test_linear_on_a_megabyte_of_pairs(unit: str) -> None:
    for detector in TUPLE_PAIRS:
        assert flood_cpu_seconds(detector, unit, [detector.secret_type]) < CPU_CEILING
