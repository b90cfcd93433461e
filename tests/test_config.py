"""Config dataclasses: help metadata, validation at construction, JSON round-trip."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sanitize.config import BaseConfig
from sanitize.data import CorpusConfig
from sanitize.errors import ConfigError


def all_configs() -> list[type[BaseConfig]]:
    """Every config of the product: each stage declares its own next to its code."""
    import importlib
    import pkgutil

    import sanitize

    for info in pkgutil.walk_packages(sanitize.__path__, "sanitize."):
        if info.name != "sanitize.__main__":
            importlib.import_module(info.name)
    found: list[type[BaseConfig]] = []
    todo = list(BaseConfig.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted({c for c in found if c.__module__.startswith("sanitize.")}, key=lambda c: c.__name__)


def test_every_stage_config_is_found() -> None:
    names = {c.__name__ for c in all_configs()}
    assert {"CorpusConfig", "ScanConfig", "PairConfig", "UpdateConfig", "ExposureConfig"} <= names


@pytest.mark.parametrize("cls", all_configs(), ids=lambda c: c.__name__)
def test_every_field_has_help_and_round_trips(cls: type[BaseConfig], tmp_path: Path) -> None:
    assert "__dataclass_fields__" in vars(cls), f"{cls.__name__} is not itself a dataclass"
    assert dataclasses.fields(cls), f"{cls.__name__} declares no fields"
    for f in dataclasses.fields(cls):
        assert f.metadata.get("help"), f"{cls.__name__}.{f.name} has no help text"
    config = cls()
    assert cls.from_dict(config.to_dict()) == config
    config.save(tmp_path / "c.json")
    assert cls.load(tmp_path / "c.json") == config


def test_validation_and_unknown_fields(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"CorpusConfig\.encoding_errors: must be one of 'strict', 'replace'"
    ):
        CorpusConfig(encoding_errors="ignore")
    with pytest.raises(ConfigError, match=r"unknown field\(s\) txt_field; known fields: "):
        CorpusConfig.from_dict({"txt_field": "x"})
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(ConfigError, match=r"bad\.json: expected a JSON object"):
        CorpusConfig.load(tmp_path / "bad.json")
