"""Model loading through the real save_pretrained -> from_pretrained path, with and without LoRA."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from sanitize.errors import ModelLoadError
from sanitize.models import load_model, resolve_dtype


def _lora(model, kind: str, r: int = 4):  # type: ignore[no-untyped-def]
    from peft import LoraConfig, get_peft_model

    targets = ["c_attn"] if kind == "gpt2" else ["q_proj", "v_proj"]
    return get_peft_model(
        model, LoraConfig(r=r, lora_alpha=8, target_modules=targets, init_lora_weights=False)
    )


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_round_trip_and_generate(kind: str, gpt2_dir: str, llama_dir: str, tmp_path: Path) -> None:
    base = gpt2_dir if kind == "gpt2" else llama_dir
    model, tok = load_model(base)
    assert not model.training
    assert model.config._attn_implementation == "eager"
    inputs = tok("my telephone number is", return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=4, do_sample=False, pad_token_id=tok.pad_token_id)
    assert out.shape[1] == inputs["input_ids"].shape[1] + 4

    # a LoRA adapter with non-zero B changes the logits; loading it reproduces them exactly
    peft_model = _lora(model, kind)
    with torch.no_grad():
        expected = peft_model(**inputs).logits
        plain = load_model(base)[0](**inputs).logits
    assert not torch.allclose(expected, plain)
    peft_model.save_pretrained(tmp_path / "adapter")
    loaded, tok2 = load_model(base, adapter=tmp_path / "adapter")
    assert type(loaded).__name__.startswith("PeftModel")
    assert tok2("abc")["input_ids"] == tok("abc")["input_ids"]
    with torch.no_grad():
        torch.testing.assert_close(loaded(**inputs).logits, expected)
    assert not any(p.requires_grad for p in loaded.parameters())
    trainable, _ = load_model(base, adapter=tmp_path / "adapter", is_trainable=True)
    names = [n for n, p in trainable.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)
    generated = loaded.generate(**inputs, max_new_tokens=3, do_sample=False, pad_token_id=tok.pad_token_id)
    assert generated.shape[1] == inputs["input_ids"].shape[1] + 3


def test_dtype(gpt2_dir: str) -> None:
    model, _ = load_model(gpt2_dir, dtype="float64")
    assert next(model.parameters()).dtype == torch.float64
    assert resolve_dtype("bf16") == torch.bfloat16
    with pytest.raises(ModelLoadError, match="unknown dtype 'float8'"):
        resolve_dtype("float8")


def test_adapter_not_fitting_base(gpt2_dir: str, llama_dir: str, tmp_path: Path) -> None:
    llama, _ = load_model(llama_dir)
    _lora(llama, "llama").save_pretrained(tmp_path / "llama_adapter")
    with pytest.raises(ModelLoadError, match=r"adapter .*llama_adapter.* does not fit base model .*gpt2"):
        load_model(gpt2_dir, adapter=tmp_path / "llama_adapter")


def test_adapter_shape_mismatch(gpt2_dir: str, tmp_path: Path) -> None:
    from support import TINY_TEXTS

    from sanitize_lab.tiny import save_tiny, tiny_model, train_tokenizer

    tok = train_tokenizer(TINY_TEXTS, kind="gpt2", vocab_size=320)
    wide = tiny_model(tok, kind="gpt2", hidden=96, heads=4)
    _lora(wide, "gpt2").save_pretrained(tmp_path / "wide_adapter")
    save_tiny(wide, tok, tmp_path / "wide")
    with pytest.raises(ModelLoadError, match="does not fit base model"):
        load_model(gpt2_dir, adapter=tmp_path / "wide_adapter")


def test_missing_paths(gpt2_dir: str, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"cannot load model from '.*nowhere': no such directory"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match=r"empty.*local directory"):
        load_model(tmp_path / "empty")
    with pytest.raises(ModelLoadError, match="not a PEFT adapter directory"):
        load_model(gpt2_dir, adapter=tmp_path / "empty")
    with pytest.raises(ModelLoadError, match=r"cannot load adapter from '.*missing': no such directory"):
        load_model(gpt2_dir, adapter=tmp_path / "missing")


def test_hub_id_offline(tmp_path: Path) -> None:
    with pytest.raises(
        ModelLoadError, match=r"cannot load model from 'some-org/tiny-model' \(hub id \(HF_HUB_OFFLINE=1"
    ):
        load_model("some-org/tiny-model")


# -- issue 17: broken files are errors naming them, not tracebacks -----------------------------------
def _corrupt(path: Path, how: str) -> None:
    import struct

    data = path.read_bytes()
    path.write_bytes(
        {"empty": b"", "truncated": data[:1000], "tail cut": data[:-100],
         "huge header": struct.pack("<Q", 2**60) + data[8:],
         "not json": struct.pack("<Q", 10) + b"not json!!" + b"\0" * 100}[how]
    )  # fmt: skip


CORRUPTIONS = ["empty", "truncated", "tail cut", "huge header", "not json"]


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_corrupt_base_weights(how: str, gpt2_dir: str, tmp_path: Path) -> None:
    import shutil

    base = tmp_path / "base"
    shutil.copytree(gpt2_dir, base)
    _corrupt(base / "model.safetensors", how)
    with pytest.raises(ModelLoadError, match=r"model.safetensors"):
        load_model(base)


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_corrupt_adapter_weights(how: str, gpt2_dir: str, tmp_path: Path) -> None:
    model, _ = load_model(gpt2_dir)
    _lora(model, "gpt2").save_pretrained(tmp_path / "adapter")
    _corrupt(tmp_path / "adapter" / "adapter_model.safetensors", how)
    with pytest.raises(ModelLoadError, match=r"adapter.*adapter_model.safetensors"):
        load_model(gpt2_dir, adapter=tmp_path / "adapter")


def test_missing_tokenizer_is_named(gpt2_dir: str, tmp_path: Path) -> None:
    import shutil

    base = tmp_path / "base"
    shutil.copytree(
        gpt2_dir, base, ignore=shutil.ignore_patterns("tokenizer*", "vocab*", "merges*", "special*")
    )
    with pytest.raises(ModelLoadError, match=rf"no tokenizer in {base}"):
        load_model(base)


def test_adapter_of_another_base_is_warned_about(
    gpt2_dir: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import json
    import shutil

    model, _ = load_model(gpt2_dir)
    _lora(model, "gpt2").save_pretrained(tmp_path / "adapter")
    config = tmp_path / "adapter" / "adapter_config.json"
    config.write_text(
        json.dumps({**json.loads(config.read_text()), "base_model_name_or_path": "org/other-model"})
    )
    with caplog.at_level("WARNING", logger="sanitize.models"):
        load_model(gpt2_dir, adapter=tmp_path / "adapter")
    assert "org/other-model" in caplog.text and gpt2_dir in caplog.text
    caplog.clear()
    copy = tmp_path / "copy" / Path(gpt2_dir).name  # the same model moved elsewhere: no warning
    shutil.copytree(gpt2_dir, copy)
    config.write_text(json.dumps({**json.loads(config.read_text()), "base_model_name_or_path": gpt2_dir}))
    with caplog.at_level("WARNING", logger="sanitize.models"):
        load_model(copy, adapter=tmp_path / "adapter")
    assert caplog.text == ""


def test_none_is_refused_at_the_boundary() -> None:
    with pytest.raises(ModelLoadError, match="base must be a directory or hub id, got NoneType"):
        load_model(None)  # type: ignore[arg-type]
