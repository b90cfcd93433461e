"""Solvers for ``A x = b`` with ``A`` the damped curvature (:class:`~.curvature.Curvature`).

Registered by name; each returns a :class:`SolveResult` whose ``residual`` is the *relative*
residual ``‖A x - b‖ / ‖b‖`` measured with one extra product (never trusted from the iteration), and
``curvature`` = ``xᵀA x`` from that same product (the quadratic model's curvature along the solution).

* ``exact``: dense ``torch.linalg.solve`` (≤ ``max_dense`` parameters: tests, tiny heads).
* ``cg``: conjugate gradients, matrix-free; stops on tolerance, iteration cap or non-positive
  curvature (an indefinite Hessian), returning the best iterate so far.
* ``lissa``: the Neumann series ``x ← b/s + (I - A/s) x`` (Agarwal et al. 2017) with the scale
  ``s = 1.1 λ_max`` from power iteration, never hand-tuned. Converges for PSD ``A``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch

from .curvature import Curvature


@dataclasses.dataclass
class SolveResult:
    x: torch.Tensor  # (P,)
    residual: float  # ‖A x - b‖ / ‖b‖
    iterations: int
    curvature: float = float("nan")  # xᵀ A x
    info: dict[str, Any] = dataclasses.field(default_factory=dict)


Solver = Callable[..., SolveResult]
SOLVERS: dict[str, Solver] = {}


def register_solver(name: str) -> Callable[[Solver], Solver]:
    """Decorator: make a solver available as ``UpdateConfig(solver=name)``."""

    def wrap(fn: Solver) -> Solver:
        SOLVERS[name] = fn
        return fn

    return wrap


def solve(name: str, op: Curvature, b: torch.Tensor, **kwargs: Any) -> SolveResult:
    if name not in SOLVERS:
        raise ValueError(f"unknown solver {name!r}; registered: {', '.join(sorted(SOLVERS))}")
    return SOLVERS[name](op, b, **kwargs)


def _measured(op: Curvature, x: torch.Tensor, b: torch.Tensor) -> tuple[float, float]:
    """One product ``A x`` -> (relative residual ‖A x - b‖/‖b‖, xᵀA x)."""
    ax = op.matvec(x)  # (P,)
    bn = float(b.norm())
    return (float((ax - b).norm()) / bn if bn > 0 else 0.0), float(torch.dot(x, ax))


@register_solver("exact")
def exact(op: Curvature, b: torch.Tensor, *, max_dense: int = 5000, **_: Any) -> SolveResult:
    a = op.dense(max_dense=max_dense)  # (P, P)
    x = torch.linalg.solve(a, b)  # (P,)
    ax = a @ x  # (P,)
    res = float((ax - b).norm() / b.norm()) if float(b.norm()) > 0 else 0.0
    return SolveResult(x, res, 1, float(torch.dot(x, ax)), {"products": op.numel})


@register_solver("cg")
def cg(op: Curvature, b: torch.Tensor, *, tol: float = 1e-6, max_iter: int = 100, **_: Any) -> SolveResult:
    x = torch.zeros_like(b)  # (P,)
    r = b.clone()  # residual b - A x
    p = r.clone()
    rs = float(torch.dot(r, r))
    bnorm = rs**0.5
    if bnorm == 0.0:
        return SolveResult(x, 0.0, 0, 0.0, {"stop": "zero rhs"})
    stop, it = "max_iter", 0
    for it in range(1, max_iter + 1):
        ap = op.matvec(p)  # (P,)
        pap = float(torch.dot(p, ap))
        if pap <= 0.0:  # negative curvature: keep the last iterate (Steihaug)
            stop = "negative curvature"
            it -= 1
            break
        alpha = rs / pap
        x = x + alpha * p
        r = r - alpha * ap
        rs_new = float(torch.dot(r, r))
        if rs_new**0.5 <= tol * bnorm:
            stop = "tol"
            break
        p = r + (rs_new / rs) * p
        rs = rs_new
    res, xax = _measured(op, x, b)
    return SolveResult(x, res, it, xax, {"stop": stop})


@register_solver("lissa")
def lissa(
    op: Curvature,
    b: torch.Tensor,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    power_iters: int = 30,
    **_: Any,
) -> SolveResult:
    lam_max = op.top_eigenvalue(iters=power_iters)
    scale = 1.1 * lam_max if lam_max > 0 else 1.0  # s > λ_max so that ‖I - A/s‖ < 1 for PSD A
    x = b / scale  # (P,) first term of Σ_j (I - A/s)^j b/s
    bnorm = float(b.norm())
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` is reported
        ax = op.matvec(x)  # (P,)
        if (float((ax - b).norm()) / bnorm if bnorm > 0 else 0.0) <= tol:
            break
        x = x + (b - ax) / scale  # x ← b/s + (I - A/s) x
    res, xax = _measured(op, x, b)
    return SolveResult(x, res, it, xax, {"scale": scale, "lambda_max": lam_max})
