"""Acceptance 3: convex golden tests against retraining (float64).

L2-regularised logistic regression and a softmax head on frozen features, trained to the optimum by
an independent dense Newton loop (``torch.func.hessian``). After changing k of n examples (labels
and features), the one-step second-order update must land within 5% of the retrained parameters
relative to how far retraining moved them; first order is measurably worse; the closed loop
(line search + Newton rounds) converges to retraining.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from sanitize.influence.certify import gradient_residual
from sanitize.influence.config import UpdateConfig
from sanitize.influence.grads import Problem
from sanitize.influence.tasks import Features, HeadTask
from sanitize.influence.update import influence_update

L2 = 5e-2


def _loss(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, classes: int) -> torch.Tensor:
    """Mean-form objective (1/n) Σ ℓ + λ/2 ‖θ‖² with θ = [W (C×d) | b (C)] flattened."""
    n, d = x.shape
    c = 1 if classes == 2 else classes
    w, b = theta[: c * d].view(c, d), theta[c * d :]
    z = x @ w.T + b  # (n, c)
    if classes == 2:
        nll = F.binary_cross_entropy_with_logits(z[:, 0], y.double(), reduction="sum")
    else:
        nll = F.cross_entropy(z, y, reduction="sum")
    return nll / n + 0.5 * L2 * theta.dot(theta)


def _fit(x: torch.Tensor, y: torch.Tensor, classes: int) -> torch.Tensor:
    """Ground-truth retraining: dense Newton on the mean-form objective to machine precision."""
    c = 1 if classes == 2 else classes
    theta = torch.zeros(c * x.shape[1] + c, dtype=torch.float64)

    def obj(t: torch.Tensor) -> torch.Tensor:
        return _loss(t, x, y, classes)

    for _ in range(30):
        g = torch.func.grad(obj)(theta)
        theta = theta - torch.linalg.solve(torch.func.hessian(obj)(theta), g)
        if g.norm() < 1e-14:
            break
    return theta


def _setup(classes: int, k: int = 5, n: int = 500, d: int = 5):  # type: ignore[no-untyped-def]
    gen = torch.Generator().manual_seed(classes)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    w_true = torch.randn(max(classes, 2), d, generator=gen, dtype=torch.float64)
    logits = x @ w_true.T if classes > 2 else torch.stack([0 * x[:, 0], x @ w_true[0]], -1)  # (n, C)
    y = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen)[:, 0]  # noisy labels (not separable)
    x_new, y_new = x.clone(), y.clone()
    x_new[:k] += torch.randn(k, d, generator=gen, dtype=torch.float64)  # changed features
    y_new[:k] = (y[:k] + 1) % classes  # changed labels
    theta_orig = _fit(x, y, classes)
    theta_retrain = _fit(x_new, y_new, classes)
    head = nn.Linear(d, 1 if classes == 2 else classes).double()
    with torch.no_grad():
        c = head.weight.numel()
        head.weight.copy_(theta_orig[:c].view_as(head.weight))
        head.bias.copy_(theta_orig[c:])
    problem = Problem(HeadTask("logistic" if classes == 2 else "softmax"), head, ["weight", "bias"], 64)
    one = [Features(x[i : i + 1], y[i : i + 1]) for i in range(n)]
    originals, rest = one[:k], one[k:]
    sanitized = [Features(x_new[i : i + 1], y_new[i : i + 1]) for i in range(k)]
    return problem, originals, sanitized, rest, theta_orig, theta_retrain, n


def _ratio(problem, delta, theta_orig, theta_retrain) -> float:  # type: ignore[no-untyped-def]
    theta = problem.flat0() + delta
    return float((theta - theta_retrain).norm() / (theta_orig - theta_retrain).norm())


@pytest.mark.parametrize("classes", [2, 4], ids=["logistic", "softmax"])
def test_second_order_matches_retraining(classes: int) -> None:
    problem, originals, sanitized, rest, theta_orig, theta_retrain, n = _setup(classes)
    torch.testing.assert_close(problem.flat0(), theta_orig)
    one_step = UpdateConfig(order=2, solver="exact", damping=0.0, l2=L2, line_search=False, max_rounds=1)
    delta2, m2 = influence_update(problem, originals, sanitized, rest, None, n, one_step)
    first = UpdateConfig(order=1, damping=0.0, l2=L2, line_search=False, max_rounds=1)
    delta1, _ = influence_update(problem, originals, sanitized, rest, None, n, first)
    loop = UpdateConfig(order=2, solver="cg", solver_tol=1e-10, max_iter=100, damping=0.0, l2=L2,
                        max_rounds=5, min_decrease=0.0)  # fmt: skip
    delta_loop, m_loop = influence_update(problem, originals, sanitized, rest, None, n, loop)

    r2 = _ratio(problem, delta2, theta_orig, theta_retrain)
    r1 = _ratio(problem, delta1, theta_orig, theta_retrain)
    r_loop = _ratio(problem, delta_loop, theta_orig, theta_retrain)
    everything = rest + sanitized
    res0 = gradient_residual(problem, everything, problem.flat0(), L2, n_train=n)
    res2 = gradient_residual(problem, everything, problem.flat0() + delta2, L2, n_train=n)
    res_loop = gradient_residual(problem, everything, problem.flat0() + delta_loop, L2, n_train=n)
    print(
        f"\n{'logistic' if classes == 2 else 'softmax'}: ||upd-retrain||/||orig-retrain|| second order {r2:.4f}, "
        f"first order {r1:.4f}, closed loop {r_loop:.2e} ({m_loop['rounds']} rounds, steps {m_loop['step']}); "
        f"gradient residual (sum form) before {res0:.3e}, after 2nd order {res2:.3e}, after loop {res_loop:.3e}; "
        f"solver residual {m2['solver_residual']:.1e}"
    )
    assert r2 <= 0.05
    assert r1 >= 3 * r2 and r1 > 0.05  # first order is measurably worse
    assert r_loop <= 1e-3
    assert res2 < 0.1 * res0 and res_loop < res2
    assert m2["solver_residual"] < 1e-10 and m2["rounds"] == 1 and m2["step"] == [1.0]
    assert m2["damping"] == 0.0


def test_normalisation_is_pinned() -> None:
    """Doubling T halves the gradient; the second-order step then matches the retrain of that objective."""
    problem, originals, sanitized, rest, _, _, n = _setup(2)
    cfg = UpdateConfig(order=2, solver="exact", damping=0.0, l2=L2, line_search=False, max_rounds=1)
    _, m_n = influence_update(problem, originals, sanitized, rest, None, n, cfg)
    _, m_2n = influence_update(problem, originals, sanitized, rest, None, 2 * n, cfg)
    assert m_2n["grad_norm"] == pytest.approx(m_n["grad_norm"] / 2, rel=1e-12)
