"""Certified removal (Guo et al. 2020) on L2-regularised logistic regression: the measured gradient
residual after the Newton removal step obeys the worst-case bound, and the noise follows from it."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from sanitize.influence.certify import certify, gradient_residual, noise_scale, worst_case_residual
from sanitize.influence.config import UpdateConfig
from sanitize.influence.grads import Problem
from sanitize.influence.tasks import Features, HeadTask
from sanitize.influence.update import influence_update


def test_removal_residual_within_guo_bound_and_noise() -> None:
    n, d, l2 = 300, 4, 0.1
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    x = x / x.norm(dim=1, keepdim=True).clamp_min(1.0)  # ‖x‖ <= 1 (C = 1)
    y = (torch.rand(n, generator=gen, dtype=torch.float64) < torch.sigmoid(2 * x[:, 0])).long()
    head = nn.Linear(d, 1, bias=False).double()
    problem = Problem(HeadTask("logistic"), head, ["weight"], batch_size=64)
    items = [Features(x[i : i + 1], y[i : i + 1]) for i in range(n)]
    theta = torch.zeros(d, dtype=torch.float64)

    def obj(t: torch.Tensor) -> torch.Tensor:  # mean-form objective on all n points
        nll = torch.nn.functional.binary_cross_entropy_with_logits(x @ t, y.double(), reduction="sum")
        return nll / n + 0.5 * l2 * t.dot(t)

    for _ in range(30):  # independent dense Newton fit of θ*
        theta = theta - torch.linalg.solve(torch.func.hessian(obj)(theta), torch.func.grad(obj)(theta))
    with torch.no_grad():
        head.weight.copy_(theta.view(1, d))
    problem = Problem(HeadTask("logistic"), head, ["weight"], batch_size=64)
    # remove one point: Z = {z_0}, Z~ = {} (replacement by nothing)
    cfg = UpdateConfig(order=2, solver="exact", damping=0.0, l2=l2, line_search=False, max_rounds=1)
    delta, metrics = influence_update(problem, items[:1], [], items[1:], None, n, cfg)
    after = problem.flat0() + delta
    residual = gradient_residual(problem, items[1:], after, l2, n_train=n)
    before = gradient_residual(problem, items[1:], problem.flat0(), l2, n_train=n)
    bound = worst_case_residual(n, l2, feature_norm=1.0)
    cert = certify(problem, items[1:], after, l2, eps=1.0, delta=1e-4, n_train=n)
    print(f"\nresidual before {before:.3e}, after removal {residual:.3e}, Guo bound {bound:.3e}")
    assert residual <= bound and residual < 0.05 * before
    assert noise_scale(residual, 1.0, 1e-4) == pytest.approx(math.sqrt(2 * math.log(1.5e4)) * residual)
    assert cert.residual == pytest.approx(residual) and cert.sigma == pytest.approx(
        noise_scale(residual, 1.0, 1e-4)
    )
    with pytest.raises(ValueError):
        noise_scale(residual, 0.0, 1e-4)
    assert metrics["solver_residual"] < 1e-12
