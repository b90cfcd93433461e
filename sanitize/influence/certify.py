"""Certified removal for L2-regularised logistic / softmax regression on frozen features.

Guo et al. (2020), "Certified Data Removal from Machine Learning Models". With the training loss
``L(θ) = Σ_i ℓ(θ; x_i, y_i) + (λ n / 2)‖θ‖² + bᵀθ`` (sum form, ``b`` the loss-perturbation noise),
a Newton removal step ``θ⁻`` is (ε, δ)-certified when the gradient residual
``‖∇L(θ⁻; D')‖ <= ε'`` and ``b ~ N(0, σ²I)`` with ``σ = c ε' / ε``, ``c = sqrt(2 ln(1.5/δ))``.

Our objectives are token/example *means* (``L = (1/T) Σ ℓ + λ/2‖θ‖²``), so the sum-form residual is
``T · ‖∇L_mean(θ⁻; D')‖``. The residual is measured exactly on the sanitized data (data-dependent
bound); :func:`worst_case_residual` gives Guo et al.'s data-independent bound for logistic regression.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import torch

from .grads import Problem


@dataclasses.dataclass(frozen=True)
class Certificate:
    residual: float  # ‖∇L(θ⁻; D')‖ in Guo et al.'s sum form
    sigma: float  # std of the loss-perturbation noise b needed for (eps, delta) certified removal
    eps: float
    delta: float


def gradient_residual(
    problem: Problem, data: Sequence[Any], theta: torch.Tensor, l2: float, n_train: int | None = None
) -> float:
    """Sum-form ``‖∇L(θ; data)‖ = ‖Σ ∇ℓ + λ T θ‖`` at flat ``theta`` (T = targets in ``data``)."""
    n = n_train if n_train is not None else problem.n_targets(data)
    grad = problem.grad_sum(problem.params_at(theta), data) + l2 * n * theta  # (P,)
    return float(grad.norm())


def noise_scale(residual: float, eps: float, delta: float) -> float:
    """σ of ``b ~ N(0, σ²I)`` making a removal with gradient residual ``residual`` (eps, delta)-certified."""
    if eps <= 0 or not 0 < delta < 1:
        raise ValueError(f"need eps > 0 and 0 < delta < 1, got eps={eps}, delta={delta}")
    return math.sqrt(2.0 * math.log(1.5 / delta)) * residual / eps


def worst_case_residual(n: int, l2: float, feature_norm: float, gamma: float = 0.25) -> float:
    """Guo et al. Thm. 1 bound ``4 γ C² / (λ² (n - 1))`` for removing one point (logistic: γ = 1/4).

    ``λ`` is the mean-form L2 coefficient, ``C`` bounds ‖x‖ (features normalised), ``n`` = training size.
    """
    if n < 2 or l2 <= 0:
        raise ValueError("need n >= 2 and l2 > 0")
    return 4.0 * gamma * feature_norm**2 / (l2**2 * (n - 1))


def certify(
    problem: Problem,
    data: Sequence[Any],
    theta: torch.Tensor,
    l2: float,
    eps: float = 1.0,
    delta: float = 1e-5,
    n_train: int | None = None,
) -> Certificate:
    """Gradient residual of the updated ``theta`` on the sanitized ``data`` and the noise it needs.

    ``n_train``: the normaliser T of the training objective (default: the targets in ``data``).
    """
    res = gradient_residual(problem, data, theta, l2, n_train)
    return Certificate(res, noise_scale(res, eps, delta), eps, delta)
