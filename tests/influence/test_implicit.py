"""The implicit regulariser against ground truth (float64): logistic regression trained by GD or Adam from
θ₀ for t steps with NO penalty, then retrained the same way on the sanitized data. A feature that only the
removed examples use is flat for the retained data: only the right (λ, M, θ_ref) moves it back to θ₀.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from sanitize.influence.config import UpdateConfig
from sanitize.influence.grads import Problem
from sanitize.influence.implicit import TrainingLog, fit_lambda
from sanitize.influence.tasks import Features, HeadTask
from sanitize.influence.update import influence_update

N, D, K = 80, 6, 4  # examples, features (the last one is the secret's), examples with the secret


def _train(x, y, theta0, opt: str, schedule: str, steps: int = 300):  # type: ignore[no-untyped-def]
    """Full-batch GD or Adam on the mean logistic loss from theta0 -> (theta, lrs, exp_avg_sq)."""
    theta = theta0.clone().requires_grad_(True)
    lr = 0.5 if opt == "sgd" else 0.02
    o = torch.optim.SGD([theta], lr=lr) if opt == "sgd" else torch.optim.Adam([theta], lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        o, (lambda i: 1 - i / steps) if schedule == "linear" else (lambda i: 1.0)
    )
    lrs = []
    for _ in range(steps):
        z = x @ theta[:D] + theta[D]  # (N,) logits
        loss = F.binary_cross_entropy_with_logits(z, y, reduction="mean")
        o.zero_grad()
        loss.backward()
        lrs.append(o.param_groups[0]["lr"])
        o.step()
        sched.step()
    v = o.state[theta].get("exp_avg_sq")
    return theta.detach(), lrs, (None if v is None else v.detach().clone())


def _case(opt: str, schedule: str):  # type: ignore[no-untyped-def]
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(N, D, generator=gen, dtype=torch.float64)
    x[K:, -1] = 0.0  # the secret feature: only the first K examples have it
    x[:K, -1] = 3.0
    y = (torch.rand(N, generator=gen, dtype=torch.float64) < torch.sigmoid(x[:, :-1].sum(-1))).double()
    y[:K] = torch.tensor([1.0, 1.0, 1.0, 0.0], dtype=torch.float64)  # mostly positive: a pull, not separable
    x_new = x.clone()
    x_new[:K, -1] = 0.0  # sanitized twins: the secret feature removed
    theta0 = 0.3 * torch.randn(D + 1, generator=gen, dtype=torch.float64)  # the start of fine-tuning
    theta_ft, lrs, v = _train(x, y, theta0, opt, schedule)
    theta_re, _, _ = _train(x_new, y, theta0, opt, schedule)
    head = nn.Linear(D, 1).double()
    with torch.no_grad():
        head.weight.copy_(theta_ft[:D].view(1, D))
        head.bias.copy_(theta_ft[D:])
    problem = Problem(HeadTask("logistic"), head, ["weight", "bias"], 128)
    one = [Features(x[i : i + 1], y[i : i + 1]) for i in range(N)]
    twins = [Features(x_new[i : i + 1], y[i : i + 1]) for i in range(K)]
    log = TrainingLog(lrs=lrs, exp_avg_sq=v, optimizer="sgd" if opt == "sgd" else "adamw")
    return problem, one[:K], twins, one[K:], theta0, theta_ft, theta_re, log


def _error(opt: str, schedule: str, l2, use_log: bool, use_ref: bool) -> float:  # type: ignore[no-untyped-def]
    problem, originals, twins, rest, theta0, theta_ft, theta_re, log = _case(opt, schedule)
    cfg = UpdateConfig(scope="head", l2=l2, solver="exact", max_rounds=5, objective="sample")
    delta, _ = influence_update(problem, originals, twins, rest, None, N, cfg,
                                reference=theta0 if use_ref else None, log=log if use_log else None)  # fmt: skip
    return float((theta_ft + delta - theta_re).norm() / (theta_ft - theta_re).norm())


@pytest.mark.parametrize("opt,schedule", [("sgd", "constant"), ("sgd", "linear"), ("adam", "constant")])
def test_implicit_lambda_lands_closer_to_retraining_than_damping(opt: str, schedule: str) -> None:
    damped = _error(opt, schedule, 0.0, False, True)  # l2 = 0: only the automatic damping
    logged = _error(opt, schedule, "auto", True, True)  # λ = 1/Σ lr (Adam: in its metric √v̂ + ε)
    fitted = _error(opt, schedule, "auto", False, True)  # λ fitted to the stationarity residual toward θ₀
    print(
        f"{opt}/{schedule}: relative error to retraining damped={damped:.3f} log={logged:.3f} fit={fitted:.3f}"
    )
    assert fitted < damped and fitted < 0.05  # measured 0.001-0.011
    assert logged < damped and logged < 0.3  # measured 0.15-0.26: 1/Σlr is the small-ηh limit only


def test_fit_lambda_recovers_a_ridge_penalty() -> None:
    gen = torch.Generator().manual_seed(1)
    d = torch.randn(50, generator=gen, dtype=torch.float64)
    assert abs(fit_lambda(-0.3 * d, d, None, None)[0] - 0.3) < 1e-12  # ∇L = -λd exactly
    m = torch.rand(50, generator=gen, dtype=torch.float64) + 0.5
    lam, res = fit_lambda(-0.3 * m * d, d, m, d > 0)
    assert abs(lam - 0.3) < 1e-12 and res < 1e-12


def test_trainer_log_reads_the_schedule_and_degrades_gracefully(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from sanitize.influence.implicit import trainer_log

    assert trainer_log(tmp_path) is None  # no trainer_state.json: nothing known
    history = [{"step": s, "learning_rate": 1e-3 * (1 - s / 100), "loss": 1.0} for s in range(10, 101, 10)]
    (tmp_path / "trainer_state.json").write_text(json.dumps({"global_step": 100, "log_history": history}))
    log = trainer_log(tmp_path, sizes=[3, 4])  # no optimizer.pt: no metric
    assert log is not None and len(log.lrs) == 100 and log.exp_avg_sq is None
    assert abs(sum(log.lrs) - 0.05) < 0.006  # linear decay from 1e-3 over 100 steps: Σ lr = 0.05


def test_estimate_picks_the_metric_that_explains_the_residual() -> None:
    from sanitize.influence.implicit import batch_metric, estimate

    gen = torch.Generator().manual_seed(2)
    grads = torch.randn(8, 40, generator=gen, dtype=torch.float64) * (torch.arange(40) + 1.0)  # (B, P)
    m = batch_metric(grads)  # (P,) √(mean_b g_b²) + ε
    assert torch.allclose(m, grads.pow(2).mean(0).sqrt() + 1e-8)
    d = torch.randn(40, generator=gen, dtype=torch.float64)
    adam = estimate(d, -0.2 * m * d, l2="auto", adam=m)  # ∇L = -λ M d: Adam's ridge
    assert adam.metric is not None and abs(adam.lam - 0.2) < 1e-9
    sgd = estimate(d, -0.2 * d, l2="auto", adam=m)  # ∇L = -λ d: plain ridge explains it better
    assert sgd.metric is None and abs(sgd.lam - 0.2) < 1e-9


def test_pair_path_pulls_with_the_pairs_gradient_along_the_reference_segment() -> None:
    """``pair_path``: with θ_ref known everywhere the influence gradient is (∇ℓ(Z̃, θ̂) - mean_t ∇ℓ(Z, θ_t))/T over
    midpoints θ_t of θ_ref -> θ̂ (brute force below); with θ_ref known only in part (LoRA) the point gradient."""
    problem, originals, twins, rest, theta0, theta_ft, _, _ = _case("sgd", "constant")

    def grad(theta: torch.Tensor, items) -> torch.Tensor:  # type: ignore[no-untyped-def]
        return problem.grad_sum(problem.params_at(theta), items)

    ts = [(k + 0.5) / 3 for k in range(3)]
    path = sum(grad(theta0 + t * (theta_ft - theta0), originals) for t in ts) / 3  # (P,)
    expected = (grad(theta_ft, twins) - path) / N
    point = (grad(theta_ft, twins) - grad(theta_ft, originals)) / N
    assert float((expected - point).norm()) > 0.1 * float(point.norm())  # the two differ on this toy
    cfg = UpdateConfig(scope="head", l2=1e-2, solver="exact", max_rounds=1, pair_path=3)
    _, m = influence_update(problem, originals, twins, rest, None, N, cfg, reference=theta0)
    assert m["pair_path"] == 3 and m["grad_norm"] == pytest.approx(float(expected.norm()), rel=1e-10)
    part = torch.arange(D + 1) < D  # known on the weights only: no segment from a known start
    _, m = influence_update(problem, originals, twins, rest, None, N, cfg, reference=theta0, known=part)
    assert "pair_path" not in m and m["grad_norm"] == pytest.approx(float(point.norm()), rel=1e-10)
    cfg = UpdateConfig(scope="head", l2=1e-2, solver="exact", max_rounds=1, pair_path=0)
    _, m = influence_update(problem, originals, twins, rest, None, N, cfg, reference=theta0)
    assert "pair_path" not in m and m["grad_norm"] == pytest.approx(float(point.norm()), rel=1e-10)
