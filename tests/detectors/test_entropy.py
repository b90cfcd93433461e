"""generic_secret: a secret-ish key assigned a random-looking value."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanitize import ScanConfig, scan
from sanitize.detectors.base import shannon_entropy
from sanitize.detectors.entropy import _FOLDS_TO_ASCII, _KEYWORD, generic_value_ok, keyword_spans

V = "x8Kd92mZpQ71vLr0aT5yN3"
HEX = "edc94cdbeb9f580971f102e074cc7856"
CASES = [
    ("if endrec[_ECD_SIGNATURE] == stringEndArchive64:", None),  # a comparison with a name
    ("class Qwen2_5OmniToken2WavModel(Qwen2_5OmniPreTrainedModel):", None),  # a class name
    ("class KeyPair(TaggedEC2Resource):", None),  # a base class
    ("resp = client.call(auth=auth)", None),  # a name passed on under its own name
    ('if key_node.tag == "tag:yaml.org,2002:str":', None),  # about a key, not a key
    ('token_url = f"https://{ArnGenerator.get_partition_name()}.example/t"', None),  # a format field
    (f"api_key({V})", V),  # a call with a random value stays
    ('key = "user:1234:profile"', None),  # a cache key: words and numbers joined by colons
    (
        'nodes_key = (\n    "qconv2d_binary_matcher_nodes"\n    if binary\n    else "qconv_unary_matcher_nodes"\n)',
        None,
    ),
    ('cache_key = "session:{user_id}:cart"', None),
    (
        'model = AutoModelForTokenClassification.from_pretrained("dbmdz/bert-large-cased-finetuned-conll03")',
        None,
    ),
    ("key_states.clamp_(min=-self.config.clip_qkv, max=self.config.clip_qkv)", None),
    (f"SECRET_KEY = '{V}'", V),  # code
    (f'app.config["SECRET_KEY"] = "{V}"', V),
    (f"auth_token: str = '{V}'", V),  # annotated assignment
    (f'static API_KEY: &str = "{V}";', V),  # Rust
    (f'let api_key: &\'static str = "{V}";', V),
    ("let api_key: &str = &args.api_key;", None),
    (f"oauth:\n  client_id: bob-app\n  client_secret: {HEX}", HEX),  # YAML, hex value
    (f'{{"client_secret": "{V}", "redirect_uri": "https://x/cb"}}', V),  # JSON
    (f"2024-01-02 DEBUG loaded settings api_secret={HEX} from env", HEX),  # log
    (f"$ ./sync --api-key {V} --verbose", V),  # CLI flag
    (f"bob: can you send me the API secret?\nann: sure, here it is {V}\nbob: thanks!", V),  # chat
    (f"Hi Ann,\n\nAs requested, the API secret is:\n\n{V}\n\nBest", V),  # e-mail
    (f'"secret": "{V}\\r\\n"', V),  # JSON-escaped line break after the value
    (f'{{"env": "DEBUG=1\\nAPI_SECRET={V}\\nPORT=80"}}', V),
    (f"access_token={V}&expires_in=3600&token_type=bearer", V),  # a form body (OAuth token response)
    (f"grant_type=client_credentials&client_secret={HEX}&scope=read", HEX),
    (f"publishable_key: pk_live_{V}", None),  # public by design (Stripe)
    (f"FROM python:3.11\nENV API_TOKEN {V}\n", V),  # Dockerfile ENV KEY VALUE
    (f"setx API_TOKEN {V}", V),  # Windows
    (f"the ENV token {V}", None),  # a space assigns only after an instruction opening the line
    ("api_key: your-api-key-here", None),  # placeholder
    ("SECRET_KEY=REPLACE_ME", None),
    ("client_secret=0123456789abcdef", None),  # sequential (hard negatives, issue 18)
    ("api_secret: abcdefghijklmnopqrstuvwx", None),
    ("SECRET_KEY=!@#$%^*!@#$%^*!@#$%^*", None),  # symbols only
    ('token = os.environ["API_TOKEN"]', None),
    (
        "request_id=123e4567-e89b-12d3-a456-426614174000 token=123e4567-e89b-12d3-a456-426614174000",
        None,
    ),  # UUID
    ("max_tokens: 2048", None),
    ("The secret ingredient is nutmeg.", None),
    ("Her token of appreciation was a monkey plush.", None),
    ("secret_path = /var/lib/app/secrets/db.json", None),
    ("token_type: bearer", None),
    ("cache_key = aaaaaaaaaaaaaaaaaaaaaaaa", None),  # no entropy
    # inside quotes a value may hold & ( ) ? [ ] { } | , ; (a generated Django SECRET_KEY)
    (
        "SECRET_KEY = 'django-insecure-k3$9x!q2w@z8#m1p&v7n^r5t*y0u(b)'",
        "django-insecure-k3$9x!q2w@z8#m1p&v7n^r5t*y0u(b)",
    ),
    ("SECRET_KEY = django-insecure-k3$9x!q2w@z8#m1p&v7n^r5t", None),  # bare: '&' is no value character there
    ('token = "function(a,b){return a+b;}"', None),  # code in a string: too little entropy
    ('api_key = "[REDACTED],[REDACTED]"', None),
    ('secret_key = "get_random_secret_key()"', None),
    # a credentials key holding user:password: the username is no part of the secret
    ("credentials: bob:Mp8#vQ2zLk5r", "Mp8#vQ2zLk5r"),
    ('credentials = "svc.deploy:Wq9zX3vBn7Lk2p"', "Wq9zX3vBn7Lk2p"),
    ("credentials: bob:hunter", None),  # a lower-case word
    ("credentials: bob:", None),
    ("Default credentials: admin/Mp8#vQ2zLk5r", "Mp8#vQ2zLk5r"),
    ("credentials: wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Lm3Qp", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Lm3Qp"),
    # assigned by a tool's `set` subcommand, key and value separated by a space
    ("aws configure set aws_secret_access_key Wm4Rt7Yp2Qx9Zk3Lb8NcQ2", "Wm4Rt7Yp2Qx9Zk3Lb8NcQ2"),
    ("npm config set //registry.npmjs.org/:_authToken Wm4Rt7Yp2Qx9Zk3Lb8NcQ2", "Wm4Rt7Yp2Qx9Zk3Lb8NcQ2"),
    ("the npm secret Wm4Rt7Yp2Qx9Zk3Lb8NcQ2 leaked", None),  # no assignment
    ("    __m512i const key_vec     = _mm512_loadu_si512   (secret);", None),  # a C function called
    ("token = xK9_mQ2pL8vR4tY6wN1bC3dF (prod)", "xK9_mQ2pL8vR4tY6wN1bC3dF"),  # a remark after the value
    ("S3CredentialsKind credentials_kind = S3CredentialsKind::Default;", None),  # a scoped enum value
    ("    def __getitem__(self, key: PositionalIndexer2D) -> Self:", None),  # a parameter's type
    ("key: Wm4Rt7Yp2Qx9Zk3Lb8NcQ2)", "Wm4Rt7Yp2Qx9Zk3Lb8NcQ2"),
    ("Signature: 8a477f597d28d172789f06886806bc55", None),  # CACHEDIR.TAG's fixed signature
    ('"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",', None),  # a handshake nonce (RFC 6455)
    ("correlate1d_signature = convolve1d_signature", None),  # another name of the same kind
    ("_token=_token, _token_compound=_token_compound,", None),  # names passed on as themselves
    ("secret_key = django_insecure_abc123xyz789", "django_insecure_abc123xyz789"),
    ("Signature: 9b477f597d28d172789f06886806bc5a", "9b477f597d28d172789f06886806bc5a"),
]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_generic_secret(payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["generic_secret"]))]
    assert found == ([secret] if secret else [])


def test_entropy_floor() -> None:
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)
    assert generic_value_ok(V)
    assert not generic_value_ok("1.2.3")


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_entropy_is_the_plug_in_estimate(value: str) -> None:
    n = len(value)
    # brute force: p(ch) from str.count, over the distinct characters in any order
    expected = -sum(value.count(ch) / n * math.log2(value.count(ch) / n) for ch in set(value)) if n else 0.0
    assert shannon_entropy(value) == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= shannon_entropy(value) <= math.log2(max(n, 1)) + 1e-12


# text drawn from keyword pieces, identifier characters, separators and the non-ASCII letters that
# (?i) folds onto ASCII ones (U+0130, U+0131, U+017F, U+212A)
_PIECES = st.sampled_from(
    ["secret", "SeCrEt", "token", "KEY", "key", "auth", "bearer", "salt", "signature", "credential",
     "secretoken", "sal", "t", "_", "-", ".", " ", "=", "\n", "x9", "\u0130", "\u0131", "\u017f", "\u212a", "é"]
)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(_PIECES, max_size=40).map("".join), st.data())
def test_keyword_spans_match_the_ignorecase_regex(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    expected = [m.span() for m in _KEYWORD.finditer(text, start, end)]
    assert list(keyword_spans(text, start, end)) == expected


def test_only_four_non_ascii_letters_fold_to_ascii_under_ignorecase() -> None:
    """keyword_spans lower-cases ASCII only; that is exact unless one of these is in the window."""
    import sys

    letter = re.compile("(?i:[a-z])")
    folding = {chr(cp) for cp in range(128, sys.maxunicode + 1) if letter.fullmatch(chr(cp))}
    assert folding == set(_FOLDS_TO_ASCII)
