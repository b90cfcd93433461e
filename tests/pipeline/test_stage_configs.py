"""StageConfigs: one typed config per stage, defaults for those left out, no key ever written."""

from __future__ import annotations

import dataclasses

import pytest

from sanitize.data import CorpusConfig
from sanitize.errors import ConfigError
from sanitize.exposure.config import ExposureConfig
from sanitize.influence.config import UpdateConfig
from sanitize.pairs import PairConfig
from sanitize.pipeline import PipelineConfig, StageConfigs
from sanitize.scanner import ScanConfig


def test_every_stage_gets_its_defaults() -> None:
    configs = StageConfigs(pairs=PairConfig(max_length=64))
    assert configs.pairs.max_length == 64
    assert configs.pipeline == PipelineConfig() and configs.corpus == CorpusConfig()
    assert configs.scan == ScanConfig() and configs.update == UpdateConfig()
    assert configs.exposure == ExposureConfig()
    assert StageConfigs(scan=None).scan == ScanConfig()  # type: ignore[arg-type]


def test_a_config_of_the_wrong_stage_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"StageConfigs\.scan: expected a ScanConfig, got PairConfig"):
        StageConfigs(scan=PairConfig())  # type: ignore[arg-type]


def test_text_field_has_one_home() -> None:
    assert "text_field" not in {f.name for f in dataclasses.fields(PipelineConfig)}
    with pytest.raises(ConfigError, match="unknown field"):
        PipelineConfig.from_dict({"text_field": "body"})
    assert StageConfigs.from_sections({"corpus": {"text_field": "body"}}).corpus.text_field == "body"


def test_from_sections_and_to_dict_never_write_a_key() -> None:
    configs = StageConfigs.from_sections(
        {"scan": {"fingerprint_key": "s3cret-key"}, "pairs": {"mode": "packed"}}
    )
    assert configs.scan.fingerprint_key == "s3cret-key" and configs.pairs.mode == "packed"
    written = configs.to_dict()
    assert set(written) == {"pipeline", "corpus", "scan", "pairs", "update", "exposure"}
    assert written["scan"]["fingerprint_key"] is None
    assert "s3cret-key" not in repr(written) and written["pairs"]["mode"] == "packed"
    with pytest.raises(ConfigError, match=r"unknown section\(s\) scna"):
        StageConfigs.from_sections({"scna": {}})


def test_a_key_is_a_secret_field_in_every_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sanitize.exposure.config import ExposureConfig
    from sanitize.fingerprint import fingerprint_secret
    from sanitize.scanner import ScanConfig, get_scanner

    for config in (ScanConfig(fingerprint_key="s3cret-key"), ExposureConfig(fingerprint_key="s3cret-key")):
        assert config.to_dict()["fingerprint_key"] is None
        assert "s3cret-key" not in config.to_json()
        config.save(tmp_path / "c.json")
        assert "s3cret-key" not in (tmp_path / "c.json").read_text()
    # the scanner still fingerprints with the key it was given (its cache is not keyed by JSON alone)
    text = "password=Tr0ub4dor&3horse"
    for key in ("s3cret-key", "other-key"):
        ((finding, value),) = get_scanner(ScanConfig(fingerprint_key=key)).scan_text(text)
        assert finding.fingerprint == fingerprint_secret(value, key)
