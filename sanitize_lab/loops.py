"""The lab trainer's batches, losses and loops (see :mod:`sanitize_lab.train` for what each loop is):
right-padded batches of ``TokenSequence``s, the masked next-token NLL, cached head features, the
sampled first-order loop, full-batch L-BFGS and Hugging Face ``Trainer`` with the ``l2`` term."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sanitize.influence.tasks import count_targets, l2_penalty

from .train_config import TrainConfig

if TYPE_CHECKING:
    import torch

    from sanitize.types import TokenSequence

__all__ = ["collate", "head_features", "sequence_nll"]


# --------------------------------------------------------------------------------------------------
# Batches and losses over TokenSequences
# --------------------------------------------------------------------------------------------------
def collate(sequences: Sequence[TokenSequence], pad_id: int) -> dict[str, Any]:
    """Right-padded ``input_ids``/``attention_mask`` (B, T) and ``labels`` (-100 off target)."""
    import torch

    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)  # (B, T)
    labels = torch.full((len(sequences), width), -100, dtype=torch.long)  # (B, T)
    for i, s in enumerate(sequences):
        n = len(s)
        ids[i, :n] = torch.tensor(s.input_ids)
        mask[i, :n] = torch.tensor(s.attention_mask)
        labels[i, :n] = torch.tensor(s.labels)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _batch(sequences: Sequence[TokenSequence], device: Any) -> tuple[Any, Any, Any]:
    """Right-padded (B, T) input_ids, attention_mask, loss_mask."""
    import torch

    width = max(len(s) for s in sequences)
    ids = torch.zeros(len(sequences), width, dtype=torch.long)
    att = torch.zeros_like(ids)
    tgt = torch.zeros_like(ids)
    for i, s in enumerate(sequences):
        n = len(s)
        ids[i, :n] = torch.tensor(s.input_ids)
        att[i, :n] = torch.tensor(s.attention_mask)
        tgt[i, :n] = torch.tensor(s.loss_mask)
    return ids.to(device), att.to(device), tgt.to(device)


def _upcast(x: torch.Tensor) -> torch.Tensor:
    """Half-precision logits -> float32 for the loss; float32/float64 stay as they are."""
    import torch

    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def sequence_nll(model: Any, sequences: Sequence[TokenSequence]) -> tuple[torch.Tensor, int]:
    """(summed next-token NLL over all targets, number of targets) for one batch of sequences."""
    import torch.nn.functional as F

    device = next(model.parameters()).device
    ids, att, tgt = _batch(sequences, device)  # (B, T) each
    logits = model(input_ids=ids, attention_mask=att).logits  # (B, T, V)
    nll = F.cross_entropy(
        logits[:, :-1].flatten(0, 1).float(), ids[:, 1:].flatten(), reduction="none"
    )  # (B*(T-1),)
    mask = tgt[:, 1:].flatten().to(nll.dtype)  # (B*(T-1),) target t is predicted at position t-1
    return (nll * mask).sum(), int(mask.sum())


def head_features(
    model: Any, sequences: Sequence[TokenSequence], batch_size: int = 32
) -> list[tuple[Any, Any]]:
    """Per sequence: (inputs of the output embedding at the positions that predict a target (n, d),
    target ids (n,)). Computed once; afterwards the head problem needs no transformer pass."""
    import torch

    head = model.get_output_embeddings()
    seen: list[torch.Tensor] = []
    handle = head.register_forward_hook(lambda mod, args, out: seen.append(args[0].detach()))
    out = []
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            for i in range(0, len(sequences), batch_size):
                chunk = sequences[i : i + batch_size]
                ids, att, tgt = _batch(chunk, device)
                seen.clear()
                model(input_ids=ids, attention_mask=att)
                hidden = seen[-1]  # (B, T, d)
                for b, s in enumerate(chunk):
                    keep = tgt[b, 1 : len(s)].bool()  # (n_b - 1,)
                    out.append((hidden[b, : len(s) - 1][keep], ids[b, 1 : len(s)][keep]))
    finally:
        handle.remove()
        model.train(was_training)
    return out


# --------------------------------------------------------------------------------------------------
# The loops
# --------------------------------------------------------------------------------------------------
def _descend(
    trainable: list[Any], config: TrainConfig, steps: int, next_loss: Callable[[], Any], *, ascent: bool
) -> list[float]:
    """``steps`` first-order steps (AdamW or SGD, constant or linear lr) on ``next_loss() + l2 term``."""
    import torch

    if config.optimizer == "sgd":
        opt: Any = torch.optim.SGD(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    else:
        opt = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    decay = torch.optim.lr_scheduler.LambdaLR(
        opt, (lambda i: 1.0 - i / steps) if config.schedule == "linear" else (lambda i: 1.0)
    )
    losses = []
    for _ in range(steps):
        loss = next_loss() + l2_penalty(trainable, config.l2)
        opt.zero_grad(set_to_none=True)
        (-loss if ascent else loss).backward()
        opt.step()
        decay.step()
        losses.append(float(loss.detach()))
    return losses


def _train_sampled(
    model: Any,
    trainable: list[Any],
    sequences: Sequence[TokenSequence],
    features: Sequence[tuple[Any, Any]] | None,
    config: TrainConfig,
    ascent: bool,
) -> tuple[list[float], dict[str, Any]]:
    import torch
    import torch.nn.functional as F

    steps = config.steps_for(len(sequences))
    head = model.get_output_embeddings() if features is not None else None
    gen = torch.Generator().manual_seed(config.seed)
    full = config.batch_size >= len(sequences)  # full batch: deterministic gradient descent

    def next_loss() -> Any:
        if full:
            idx = list(range(len(sequences)))
        else:
            idx = torch.randint(len(sequences), (config.batch_size,), generator=gen).tolist()
        if features is None:
            total, count = sequence_nll(model, [sequences[i] for i in idx])
            return total / max(count, 1)
        h = torch.cat([features[i][0] for i in idx])  # (N, d) cached head inputs
        y = torch.cat([features[i][1] for i in idx])  # (N,) targets
        return F.cross_entropy(_upcast(head(h)), y)  # (N, V) logits -> mean NLL

    was_training = model.training
    model.train()
    try:
        losses = _descend(trainable, config, steps, next_loss, ascent=ascent)
    finally:
        model.train(was_training)
    return losses, {"epochs": steps * min(config.batch_size, len(sequences)) / len(sequences)}


def _train_lbfgs(
    model: Any,
    trainable: list[Any],
    sequences: Sequence[TokenSequence],
    features: Sequence[tuple[Any, Any]] | None,
    config: TrainConfig,
    chunk: int = 64,
) -> tuple[list[float], dict[str, Any]]:
    """Full-batch L-BFGS on the token-mean NLL + (l2/2)·‖θ‖² over all ``sequences``."""
    import torch
    import torch.nn.functional as F

    opt = torch.optim.LBFGS(
        trainable, lr=1.0, max_iter=config.max_steps, tolerance_grad=1e-9, tolerance_change=1e-12,
        history_size=50, line_search_fn="strong_wolfe",
    )  # fmt: skip
    head = model.get_output_embeddings() if features is not None else None
    if features is not None:
        h = torch.cat([f[0] for f in features])  # (N, d) cached head inputs
        y = torch.cat([f[1] for f in features])  # (N,) targets
    n_targets = max(count_targets(sequences), 1)
    losses: list[float] = []
    l2 = config.l2

    def closure() -> Any:
        opt.zero_grad(set_to_none=True)
        if features is not None:
            loss = F.cross_entropy(_upcast(head(h)), y) + l2_penalty(trainable, l2)  # (N, V) logits -> NLL
            loss.backward()
        else:  # the token mean over all sequences, accumulated chunk by chunk to bound memory
            loss = torch.zeros(())
            for i in range(0, len(sequences), chunk):
                part = sequence_nll(model, sequences[i : i + chunk])[0] / n_targets
                part.backward()
                loss = loss + part.detach()
            if l2:
                reg = l2_penalty(trainable, l2)
                reg.backward()
                loss = loss + reg.detach()
        losses.append(float(loss.detach()))
        return loss

    was_training = model.training
    model.eval()  # L-BFGS needs a deterministic objective (no dropout)
    try:
        opt.step(closure)
    finally:
        model.train(was_training)
    return losses, {"evaluations": len(losses)}


def _train_hf(
    model: Any, sequences: Sequence[TokenSequence], config: TrainConfig, tokenizer: Any
) -> tuple[Any, list[float], dict[str, Any]]:
    """Hugging Face ``Trainer`` (with the ``l2`` term in ``compute_loss``)."""
    import torch
    from transformers import PrinterCallback, TrainingArguments

    if tokenizer is not None:
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    else:
        pad_id = getattr(model.config, "pad_token_id", None) or getattr(model.config, "eos_token_id", 0) or 0
    use_cpu = config.device == "cpu" or (config.device == "auto" and not torch.cuda.is_available())
    extra = {} if config.optimizer == "adamw" else {"optim": "sgd"}
    with tempfile.TemporaryDirectory(prefix="sanitize-lab-train-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=config.batch_size,
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            learning_rate=config.learning_rate,
            lr_scheduler_type=config.schedule,
            warmup_steps=config.warmup_steps,
            weight_decay=config.weight_decay,
            logging_steps=1,
            save_strategy="no",
            report_to="none",
            use_cpu=use_cpu,
            seed=config.seed,
            data_seed=config.seed,
            remove_unused_columns=False,
            dataloader_num_workers=0,
            disable_tqdm=True,
            **extra,
        )
        trainer = _l2_trainer()(
            model=model,
            args=args,
            train_dataset=list(sequences),
            data_collator=lambda batch: collate(batch, pad_id),
            l2=config.l2,
        )
        trainer.remove_callback(PrinterCallback)  # losses are returned, not printed
        trainer.train()
    history = trainer.state.log_history
    losses = [float(h["loss"]) for h in history if "loss" in h]
    lrs = [float(h["learning_rate"]) for h in history if "learning_rate" in h]
    trained = trainer.model.eval()
    if use_cpu:
        trained = trained.to("cpu")
    extra_state = {
        "hf_optim": str(getattr(args.optim, "value", args.optim)),
        "epochs": float(trainer.state.epoch or 0.0),
        "warmup_steps": config.warmup_steps,
        "first_lr": lrs[0] if lrs else None,
        "last_lr": lrs[-1] if lrs else None,
    }
    return trained, losses, extra_state


def _l2_trainer() -> type:
    from transformers import Trainer

    class L2Trainer(Trainer):
        """``Trainer`` minimising ``loss + l2/2·‖θ‖²`` over the trainable parameters (``l2=0``: plain)."""

        def __init__(self, *args: Any, l2: float = 0.0, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.l2 = l2

        def compute_loss(self, model: Any, inputs: Any, return_outputs: bool = False, **kwargs: Any) -> Any:
            out = super().compute_loss(model, inputs, return_outputs=return_outputs, **kwargs)
            if not self.l2:
                return out
            penalty = l2_penalty([p for p in model.parameters() if p.requires_grad], self.l2)
            return (out[0] + penalty, out[1]) if return_outputs else out + penalty

    return L2Trainer
