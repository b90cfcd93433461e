"""Acceptance 1: GGN / Hessian / Fisher-vector products equal brute-force dense matrices @ v (float64).

Ground truth is computed independently of the code under test with ``torch.func`` on a flat
parameter vector: the Hessian by ``torch.func.hessian``; the GGN as the Hessian of the loss of the
*linearised* network ``θ ↦ ℓ(f(θ₀) + J (θ - θ₀))`` with the dense Jacobian ``J`` (``jacfwd``); the
empirical Fisher as ``Σ_z ∇ℓ(z) ∇ℓ(z)ᵀ`` from per-example gradients.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from influence_helpers import lora_model, sequences, tiny_lm

from sanitize.influence.curvature import Curvature
from sanitize.influence.grads import Problem
from sanitize.influence.scope import select_scope
from sanitize.influence.tasks import CausalLMTask, Features, HeadTask, collate_sequences
from sanitize.types import TokenSequence


def _flat_lm_fns(model: torch.nn.Module, names: list[str], seqs: list[TokenSequence]):  # type: ignore[no-untyped-def]
    """Brute-force closures over a flat θ: outputs(θ) (B, L-1, V) and loss(outputs) (summed NLL)."""
    params = dict(model.named_parameters())
    shapes = [params[n].shape for n in names]
    sizes = [params[n].numel() for n in names]
    theta0 = torch.cat([params[n].detach().reshape(-1) for n in names])
    batch = collate_sequences(seqs, dtype=torch.float64)

    def outputs(theta: torch.Tensor) -> torch.Tensor:
        chunks = torch.split(theta, sizes)
        values = {n: c.view(s) for n, c, s in zip(names, chunks, shapes)}
        out = torch.func.functional_call(model, values, (), {"input_ids": batch.input_ids,
                                                             "attention_mask": batch.attention_mask})  # fmt: skip
        return out.logits[:, :-1]

    def loss(logits: torch.Tensor) -> torch.Tensor:
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch.input_ids[:, 1:].reshape(-1),
                              reduction="none")  # fmt: skip
        return (nll * batch.loss_mask[:, 1:].reshape(-1)).sum()

    return theta0, outputs, loss


def _dense_truth(
    theta0: torch.Tensor, outputs: Callable, loss: Callable, n: int, kind: str, per_example: list[Callable]
) -> torch.Tensor:
    if kind == "hessian":
        return torch.func.hessian(lambda t: loss(outputs(t)))(theta0) / n
    if kind == "ggn":
        f0 = outputs(theta0).detach()
        jac = torch.func.jacfwd(outputs)(theta0)  # (..., P)
        jac = jac.reshape(-1, theta0.numel())  # (O, P)

        def linearised(t: torch.Tensor) -> torch.Tensor:
            return loss(f0 + (jac @ (t - theta0)).view_as(f0))

        return torch.func.hessian(linearised)(theta0) / n
    grads = torch.stack([torch.func.grad(fn)(theta0) for fn in per_example])  # (E, P)
    return grads.T @ grads / n


@pytest.mark.parametrize("kind", ["ggn", "hessian", "fisher"])
def test_adapter_products_match_dense(kind: str) -> None:
    tok, base = tiny_lm()
    model = lora_model(base, seed=1)  # LoRA B != 0 so the GGN and Hessian differ
    seqs = sequences(tok, 3)
    scope = select_scope(model, "adapter")
    names = scope.names
    theta0, outputs, loss = _flat_lm_fns(model, names, seqs)
    per_example = []
    for s in seqs:
        _, out_s, loss_s = _flat_lm_fns(model, names, [s])
        per_example.append(lambda t, o=out_s, ls=loss_s: ls(o(t)))
    n = sum(sum(s.loss_mask[1:]) for s in seqs)
    truth = _dense_truth(theta0, outputs, loss, n, kind, per_example)  # (P, P)

    problem = Problem(CausalLMTask(), scope.model, scope.local_names, batch_size=2)
    op = Curvature(problem, seqs, kind)
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        v = torch.randn(theta0.numel(), generator=gen, dtype=torch.float64)
        torch.testing.assert_close(op.matvec(v), truth @ v, rtol=1e-6, atol=1e-10)
    if kind == "ggn":  # PSD, and measurably different from the (indefinite) Hessian here
        assert torch.linalg.eigvalsh(truth).min() > -1e-10
        hess = _dense_truth(theta0, outputs, loss, n, "hessian", per_example)
        assert (hess - truth).norm() > 1e-3 * truth.norm()


@pytest.mark.parametrize("kind", ["ggn", "hessian", "fisher"])
def test_head_products_match_dense(kind: str) -> None:
    tok, model = tiny_lm()  # GPT-2: the head is tied to the input embedding
    seqs = sequences(tok, 2)
    scope = select_scope(model, "head")
    assert scope.head_untied
    names = scope.names
    theta0, outputs, loss = _flat_lm_fns(scope.model, names, seqs)
    per_example = []
    for s in seqs:
        _, out_s, loss_s = _flat_lm_fns(scope.model, names, [s])
        per_example.append(lambda t, o=out_s, ls=loss_s: ls(o(t)))
    n = sum(sum(s.loss_mask[1:]) for s in seqs)
    truth = _dense_truth(theta0, outputs, loss, n, kind, per_example)  # (P, P)

    # through the LM (adapter-style problem on the head params) ...
    problem = Problem(CausalLMTask(), scope.model, scope.local_names and names, batch_size=2)
    v = torch.randn(theta0.numel(), dtype=torch.float64)
    torch.testing.assert_close(Curvature(problem, seqs, kind).matvec(v), truth @ v, rtol=1e-6, atol=1e-10)
    # ... and on cached hidden states (head mode: softmax regression, no transformer passes)
    from sanitize.influence.config import UpdateConfig
    from sanitize.influence.lmdata import head_features as _head_features

    feats = _head_features(scope.model, scope.module, [seqs], UpdateConfig())[0]
    head_problem = Problem(HeadTask("softmax"), scope.module, scope.local_names)
    if kind == "fisher":  # examples are whole sequences in both views
        torch.testing.assert_close(
            Curvature(head_problem, feats, kind).matvec(v), truth @ v, rtol=1e-6, atol=1e-10
        )
    else:
        torch.testing.assert_close(
            Curvature(head_problem, feats, kind).matvec(v), truth @ v, rtol=1e-6, atol=1e-10
        )
    # the head problem is convex: GGN == Hessian
    if kind == "ggn":
        hess = _dense_truth(theta0, outputs, loss, n, "hessian", per_example)
        torch.testing.assert_close(hess, truth, rtol=1e-6, atol=1e-10)


def test_dense_refuses_large_scope_and_damping_adds() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(60, 5, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (60,), generator=gen)
    head = torch.nn.Linear(5, 4).double()
    problem = Problem(HeadTask("softmax"), head, ["weight", "bias"], batch_size=16)
    op = Curvature(problem, [Features(x[i : i + 3], y[i : i + 3]) for i in range(0, 60, 3)], "ggn")
    with pytest.raises(ValueError, match="refusing to materialise"):
        op.dense(max_dense=10)
    dense = op.dense()
    op.damping, op.l2 = 0.5, 0.25
    v = torch.randn(dense.shape[0], dtype=dense.dtype)
    torch.testing.assert_close(op.matvec(v), dense @ v + 0.75 * v)
    eig = torch.linalg.eigvalsh(dense)
    op.damping, op.l2 = 0.0, 0.0
    assert op.top_eigenvalue(iters=40, tol=1e-9) == pytest.approx(float(eig.max()), rel=1e-2)
    probes = 64  # Hutchinson: std of the trace estimate <= sqrt(2 ‖A‖_F² / probes)
    bound = 4 * (2 * float(dense.norm()) ** 2 / probes) ** 0.5 / dense.shape[0]
    assert abs(op.mean_eigenvalue(probes=probes) - float(eig.mean())) <= bound
    assert bound < 0.5 * float(eig.mean())  # the check above is not vacuous
