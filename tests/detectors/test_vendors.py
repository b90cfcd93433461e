"""Vendor tokens from ``data/vendors.toml``: the catalogue itself (RE2, unique ids, bounded, one
synthetic example per rule that is flagged and whose mutations are not), a (payload, secret-or-None)
table over many providers with values invented here, and linear time on adversarial input.
Detectors run the way the scanner runs them: only on windows around their keywords and triggers."""

from __future__ import annotations

import random
import re
import string

import pytest
from detector_support import windows
from support import CPU_CEILING, linear_cpu_seconds

from sanitize.detectors import vendors

RULES = vendors.load_rules()
DETECTORS = vendors.all_detectors()


def found(text: str) -> list[tuple[str, str]]:
    """(rule id, value) of every vendor finding in ``text``."""
    out = []
    for d in DETECTORS:
        for ws, we in windows(d, text):
            out += [(r.id, text[s:e]) for s, e, _, r in d.find_rules(text, ws, we)]  # type: ignore[attr-defined]
    return out


def test_catalogue() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    assert len({r.provider for r in RULES}) >= 150
    assert len(RULES) >= 250
    for r in RULES:
        assert r.pattern.groups >= 0 and 0 < r.max_len <= vendors.MAX_MATCH, r.id
        assert r.keywords or r.trigger, r.id
        assert r.secret in r.example, r.id


def test_every_rule_compiles_in_re2_and_triggers_in_both_engines() -> None:
    import re2

    for r in RULES:
        re2.compile(r.regex)
    for d in DETECTORS:
        assert d.trigger is not None
        re2.compile(d.trigger)
        re.compile(d.trigger)  # the scanner's dispatch runs triggers with Python's re


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_example_flagged_and_mutations_not(rule: vendors.VendorRule) -> None:
    assert [v for _, v in found(rule.example)] == [rule.secret]
    short = rule.example.replace(rule.secret, rule.secret[: len(rule.secret) // 3])
    assert found(short) == [], "a value of the wrong (too short) shape is flagged"
    longer = rule.example.replace(rule.secret, rule.secret + rule.secret[-4:])
    assert rule.secret not in [v for _, v in found(longer)], "a longer run is flagged as the shorter token"
    if rule.keywords:
        bare = f"the value is {rule.secret} here"
        assert found(bare) == [], "a keyword rule fires without its keyword"


def test_provider_of() -> None:
    rule = next(r for r in RULES if r.id == "newrelic-user-api-key")
    at = rule.example.index(rule.secret)
    assert vendors.provider_of(rule.example, at, at + len(rule.secret)) == "newrelic"
    assert vendors.provider_of("nothing here", 0, 7) is None


def body(alphabet: str, n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


AN = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UP = string.ascii_uppercase + string.digits
UUID = "3f9c1a7e-5b2d-4e8f-9a6c-0d7e2b4f1c93"
NRAK = "NRAK-" + body(UP, 27, 1)
PHC = "phc_" + body(AN, 43, 2)
ATATT = "ATATT3" + body(AN + "_-", 186, 3)
GLPAT = "glpat-" + body(AN, 20, 4)
GLOAS = "gloas-" + body(AN, 64, 5)
GLCBT = "glcbt-64_" + body(AN, 20, 6)
GLFT = "glft-" + body(AN, 20, 7)
GLRT = "glrt-" + body(AN, 20, 8)
HARNESS = f"pat.{body(AN, 22, 9)}.{body(AN, 24, 10)}.{body(AN, 20, 11)}"
DT = f"dt0c01.{body(UP, 24, 12)}.{body(UP, 64, 13)}"
MAPBOX = f"pk.eyJ1Ijoi{body(AN, 60, 14)}.{body(AN, 22, 15)}"
SALESFORCE = "00D" + body(AN, 12, 16) + "!" + body(AN + ".", 96, 17)
SHPAT = "shpat_" + body(HEX, 32, 18)
SHPSS = "shpss_" + body(HEX, 32, 19)
DOPPLER = "dp.pt." + body(AN, 43, 20)
LINEAR = "lin_api_" + body(AN, 40, 21)
PMAK = f"PMAK-{body(HEX, 24, 22)}-{body(HEX, 34, 23)}"
PYPI = "pypi-AgEIcHlwaS5vcmc" + body(AN + "_-", 70, 24)
DAPI = "dapi" + body(HEX, 32, 25)
DOP = "dop_v1_" + body(HEX, 64, 26)
GLC = "glc_" + body(AN, 48, 27)
GLSA = f"glsa_{body(AN, 32, 28)}_{body(HEX, 8, 29)}"
PUL = "pul-" + body(HEX, 40, 30)
SNTRYU = "sntryu_" + body(HEX, 64, 31)
HVS = "hvs." + body(AN + "_-", 95, 32)
DROPBOX = "sl." + body(AN + "_-", 135, 33)
FLY = "fo1_" + body(AN + "_-", 43, 34)
ANTHROPIC = "sk-ant-api03-" + body(AN + "_-", 93, 35) + "AA"
DISCORD_BOT = "MTIzNDU2Nzg5MDEyMzQ1Njc4." + body(AN, 6, 36) + "." + body(AN, 27, 37)
TWITCH = body(string.ascii_lowercase + string.digits, 30, 38)
KUCOIN = body(HEX, 24, 39)
HRKU = "HRKU-AA" + body(AN, 58, 40)
SQSP_UUID = "7d2e9b41-0c6a-4f3e-b58d-2a9f1e6c7b04"
TSKEY = f"tskey-auth-{body(AN, 12, 41)}-{body(AN, 30, 42)}"
SUPABASE = "sbp_" + body(HEX, 40, 43)
GROQ = "gsk_" + body(AN, 52, 44)
NOTION = "ntn_" + body("0123456789", 11, 45) + body(AN, 35, 46)
NVAPI = "nvapi-" + body(AN + "_-", 64, 47)
PERPLEXITY = "pplx-" + body(AN, 48, 48)
FIGMA = "figd_" + body(AN + "_-", 40, 49)
DOCKER = "dckr_pat_" + body(AN + "_-", 27, 50)
BUILDKITE = "bkua_" + body(HEX, 40, 53)
CIRCLECI = f"CCIPAT_{body(AN, 22, 54)}_{body(HEX, 40, 55)}"
NEON = "napi_" + body(string.ascii_lowercase + string.digits, 64, 56)
RUBYGEMS = "rubygems_" + body(HEX, 48, 57)
NPM_LIKE_SENDINBLUE = f"xkeysib-{body(HEX, 64, 51)}-{body(AN, 16, 52)}"

TABLE: list[tuple[str, str | None]] = [
    (f"NEW_RELIC_API_KEY={NRAK}", NRAK),
    (f"posthog.init('{PHC}', {{api_host: 'https://eu.posthog.test'}})", PHC),
    (f"jira: {{ token: {ATATT} }}", ATATT),
    (f"git remote add origin https://oauth2:{GLPAT}@gitlab.test/x.git", GLPAT),
    (f"GITLAB_OAUTH_SECRET={GLOAS}", GLOAS),
    (f"CI_JOB_TOKEN {GLCBT}", GLCBT),
    (f"feed: {GLFT}", GLFT),
    (f"--token {GLRT}", GLRT),
    (f"x-api-key: {HARNESS}", HARNESS),
    (f"Api-Token {DT}", DT),
    (f"mapboxgl.accessToken = '{MAPBOX}';", MAPBOX),
    (f"SF_ACCESS_TOKEN={SALESFORCE}", SALESFORCE),
    (f"X-Shopify-Access-Token: {SHPAT}", SHPAT),
    (f"shared_secret = {SHPSS}", SHPSS),
    (f"DOPPLER_TOKEN={DOPPLER}", DOPPLER),
    (f"Authorization: {LINEAR}", LINEAR),
    (f"postman api key {PMAK}", PMAK),
    (f"password = {PYPI}", PYPI),
    (f"databricks host token {DAPI}", DAPI),
    (f"export DIGITALOCEAN_TOKEN={DOP}", DOP),
    (f"GRAFANA_CLOUD={GLC}", GLC),
    (f"grafana sa {GLSA}", GLSA),
    (f"PULUMI_ACCESS_TOKEN={PUL}", PUL),
    (f"auth_token: {SNTRYU}", SNTRYU),
    (f"VAULT_TOKEN={HVS}", HVS),
    (f"dropbox = {DROPBOX}", DROPBOX),
    (f"FLY_API_TOKEN={FLY}", FLY),
    (f"ANTHROPIC_API_KEY={ANTHROPIC}", ANTHROPIC),
    (f"client.run('{DISCORD_BOT}')", DISCORD_BOT),
    (f"twitch_client_secret = '{TWITCH}'", TWITCH),
    (f"KUCOIN_API_KEY={KUCOIN}", KUCOIN),
    (f"HEROKU_API_KEY={UUID}", UUID),
    (f"heroku: {HRKU}", HRKU),
    (f"hubspot_api_key: {UUID.upper()}", UUID.upper()),
    (f"SNYK_TOKEN={UUID}", UUID),
    (f"squarespace_api_key = '{SQSP_UUID}'", SQSP_UUID),
    (f"TS_AUTHKEY={TSKEY}", TSKEY),
    (f"SUPABASE_ACCESS_TOKEN={SUPABASE}", SUPABASE),
    (f"GROQ_API_KEY={GROQ}", GROQ),
    (f"NOTION_TOKEN={NOTION}", NOTION),
    (f"key={NVAPI}", NVAPI),
    (f"PPLX={PERPLEXITY}", PERPLEXITY),
    (f"figma {FIGMA}", FIGMA),
    (f"docker login -p {DOCKER}", DOCKER),
    (f"brevo: {NPM_LIKE_SENDINBLUE}", NPM_LIKE_SENDINBLUE),
    (f"BUILDKITE_API_TOKEN={BUILDKITE}", BUILDKITE),
    (f"circle-token: {CIRCLECI}", CIRCLECI),
    (f"neon auth {NEON}", NEON),
    (f"GEM_HOST_API_KEY: {RUBYGEMS}", RUBYGEMS),
    # hard negatives
    (f"request id {UUID} completed", None),  # a UUID with no vendor keyword
    (f"heroku build {UUID[:-1]}", None),  # wrong shape
    (f"correlation_id: {UUID} (heroku router)", None),  # keyword after, not before
    ("NRAK-XXXXXXXXXXXXXXXXXXXXXXXXXXX", None),  # placeholder
    ("glpat-xxxxxxxxxxxxxxxxxxxx", None),
    ("glpat-abcdefghijklmnopqrst", None),  # sequential
    ("shpat_00000000000000000000000000000000", None),
    ("sha256 of the file: " + "ab" * 32, None),
    (f"x{DOP}", None),  # continues a longer word
    (f'"msg": "deploy token\\n{DOP}"', DOP),  # after a literal \n escape: not a longer word
    (f"GET /hook?t%3D{DOP} HTTP/1.1", DOP),  # after a percent-encoded '='
    (f"{DAPI}abc", None),
    ("dp.pt.EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAM", None),
    ("kucoin release 5f3a9c1e2b7d4f6a8c0e1b3d", None),  # no assignment between keyword and value
    ("pk.eyJ1Ijoi", None),
    ("AGE-SECRET-KEY-1" + "Q" * 58, None),  # bech32 checksum fails
    ("MTIzNDU2Nzg5MDEyMzQ1Njc4." + "abcdef.", None),
    ("Zm9vYmFyYmF6cXV4cXV1eHF1dXg." + body(AN, 6, 60) + "." + body(AN, 27, 61), None),  # not a numeric id
]


@pytest.mark.parametrize(("payload", "secret"), TABLE, ids=[str(i) for i in range(len(TABLE))])
def test_provider_table(payload: str, secret: str | None) -> None:
    values = [v for _, v in found(payload)]
    assert values == ([] if secret is None else [secret]), payload


def test_table_covers_forty_providers() -> None:
    providers = set()
    for payload, secret in TABLE:
        if secret is not None:
            at = payload.index(secret)
            providers.add(vendors.provider_of(payload, at, at + len(secret)))
    assert None not in providers and len(providers) >= 40, sorted(map(str, providers))


def test_validators() -> None:
    age = next(r for r in RULES if r.id == "age-secret-key")
    assert vendors.bech32_valid(age.secret)
    assert not vendors.bech32_valid(age.secret[:-1] + ("Q" if age.secret[-1] != "Q" else "P"))
    assert vendors.discord_bot_valid(DISCORD_BOT)
    assert not vendors.discord_bot_valid("Zm9vYmFyYmF6cXV4cXV1eHF1dXg.abcdef.ghi")


MB = 1_000_000


def _fill(unit: str) -> str:
    return (unit * (MB // len(unit) + 1))[:MB]


ADVERSARIAL = {
    "glpat prefix": _fill("glpat-"),
    "every prefix": _fill(" ".join(r.secret[: max(4, len(r.secret) // 2)] for r in RULES) + " "),
    "every secret minus one": _fill(" ".join(r.secret[:-1] for r in RULES) + " "),
    "letters": _fill("A"),
    "hex": _fill("0123456789abcdef"),
    "uuids after keywords": _fill(f"heroku_key = {UUID} "),
    "keywords": _fill(" = ".join(sorted({k for r in RULES for k in r.keywords})) + " = "),
    "base64": _fill("aZ09+/"),
    "dotted": _fill("pat.a."),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_linear_time_on_adversarial_input(name: str) -> None:
    """CPU seconds per 1 MB line, scanner-style windows, every vendor detector (the better of two
    runs when the first is over: a busy shared machine does not fail the bound)."""
    text = ADVERSARIAL[name]
    best = linear_cpu_seconds(found, text)
    assert best < CPU_CEILING, f"{name}: {best:.2f} CPU-s per MB"


def test_providers_doc_is_generated_from_the_catalogue() -> None:
    """docs/providers.md lists every provider; regenerate with vendor_rules.providers_markdown()."""
    from pathlib import Path

    from sanitize.detectors.vendor_rules import providers_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "providers.md"
    assert doc.read_text(encoding="utf-8") == providers_markdown()
    assert len({r.provider for r in RULES}) >= 150


def test_derived_catalogue_is_fresh_and_loads_like_the_toml() -> None:
    """data/vendors.derived.json (tomllib's parse + sre facts, read instead of parsing at every
    start) matches the TOML; regenerate with vendor_rules.derived_json(). Loaded through it, the
    rules equal those parsed from the TOML, and a stale file falls back to parsing."""
    from importlib import resources

    from sanitize.detectors import vendor_rules

    data = resources.files(vendor_rules.__package__).joinpath("data")
    assert data.joinpath(vendor_rules.DERIVED_FILE).read_text(encoding="utf-8") == vendor_rules.derived_json()
    parsed = tuple(
        vendor_rules._rule(r) for r in vendor_rules._parse_toml(data.joinpath("vendors.toml").read_bytes())
    )
    assert parsed == RULES
    assert all(r.max_len > 0 for r in RULES) and sum(r.literal is not None for r in RULES) >= 100


def test_a_stale_derived_catalogue_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    from importlib import resources

    from sanitize.detectors import vendor_rules

    real = resources.files(vendor_rules.__package__).joinpath("data")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "vendors.toml").write_bytes(real.joinpath("vendors.toml").read_bytes())
    stale = json.loads(real.joinpath(vendor_rules.DERIVED_FILE).read_text(encoding="utf-8"))
    stale["rules"][0][1]["max_len"] = 1  # what a stale file would claim
    stale["sha256"] = "0" * 64
    (tmp_path / "data" / vendor_rules.DERIVED_FILE).write_text(json.dumps(stale), encoding="utf-8")

    class Files:
        def __init__(self, root) -> None:  # type: ignore[no-untyped-def]
            self.root = root

        def joinpath(self, *parts: str):  # type: ignore[no-untyped-def]
            return self.root.joinpath(*parts)

    monkeypatch.setattr(vendor_rules.resources, "files", lambda _pkg: Files(tmp_path))
    vendor_rules.load_rules.cache_clear()
    try:
        assert vendor_rules.load_rules() == RULES  # parsed from the TOML, not the stale facts
        stale["sha256"] = json.loads(real.joinpath(vendor_rules.DERIVED_FILE).read_text())["sha256"]
        (tmp_path / "data" / vendor_rules.DERIVED_FILE).write_text(json.dumps(stale), encoding="utf-8")
        vendor_rules.load_rules.cache_clear()
        assert vendor_rules.load_rules()[0].max_len == 1  # the matching file is what is read
    finally:
        vendor_rules.load_rules.cache_clear()
