"""Acceptance 2: CG and LiSSA match the exact dense solve on a well-conditioned toy (rel err <= 1e-3)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from sanitize.influence.curvature import Curvature
from sanitize.influence.grads import Problem
from sanitize.influence.solvers import SOLVERS, register_solver, solve
from sanitize.influence.tasks import Features, HeadTask


def _toy(kind: str = "ggn") -> tuple[Curvature, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(120, 6, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (120,), generator=gen)
    head = nn.Linear(6, 3).double()
    problem = Problem(HeadTask("softmax"), head, ["weight", "bias"], batch_size=16)
    items = [Features(x[i : i + 4], y[i : i + 4]) for i in range(0, 120, 4)]
    op = Curvature(problem, items, kind, l2=0.05)  # condition number ~ 10
    b = torch.randn(problem.numel, generator=gen, dtype=torch.float64)
    return op, b


@pytest.mark.parametrize("name", ["cg", "lissa"])
def test_iterative_solvers_match_exact(name: str) -> None:
    op, b = _toy()
    exact = solve("exact", op, b)
    assert exact.residual < 1e-12
    eig = torch.linalg.eigvalsh(op.dense())
    assert float(eig.max() / eig.min()) < 50  # well conditioned, as the acceptance asks
    result = solve(name, op, b, tol=1e-8, max_iter=2000)
    rel = float((result.x - exact.x).norm() / exact.x.norm())
    print(
        f"{name}: rel err vs exact {rel:.2e}, residual {result.residual:.2e}, iterations {result.iterations}"
    )
    assert rel <= 1e-3
    assert result.residual <= 1e-6  # reported residual is measured, not trusted
    if name == "lissa":  # scale from power iteration, not hand-tuned: s = 1.1 λ_max
        assert result.info["scale"] == pytest.approx(1.1 * float(eig.max()), rel=1e-2)


def test_reported_residual_is_honest_when_stopped_early() -> None:
    op, b = _toy()
    result = solve("cg", op, b, tol=1e-12, max_iter=2)
    true = float((op.dense() @ result.x - b).norm() / b.norm())
    assert result.residual == pytest.approx(true, rel=1e-9)
    assert result.residual > 1e-3 and result.info["stop"] == "max_iter"


@pytest.mark.parametrize("name", ["exact", "cg", "lissa"])
def test_reported_curvature_is_the_dense_quadratic_form(name: str) -> None:
    """``curvature`` = xᵀA x, measured with the residual's product; from x₀ = 0 CG's iterates also satisfy
    xᵀA x = bᵀx (Galerkin), which the step control's quadratic model relies on."""
    op, b = _toy()
    result = solve(
        name, op, b, tol=1e-12, max_iter=3
    )  # stopped early: the identity is CG's, not the solution's
    x = result.x
    assert result.curvature == pytest.approx(float(x @ op.dense() @ x), rel=1e-9)
    if name != "lissa":
        assert result.curvature == pytest.approx(float(b @ x), rel=1e-9)


def test_cg_stops_on_negative_curvature() -> None:
    op, b = _toy()
    op.damping = -10.0  # make A indefinite
    result = solve("cg", op, b, max_iter=50)
    assert result.info["stop"] == "negative curvature"
    assert torch.isfinite(result.x).all()


def test_registry() -> None:
    assert {"exact", "cg", "lissa"} <= set(SOLVERS)

    @register_solver("toy-jacobi")
    def jacobi(op, b, **_):  # type: ignore[no-untyped-def]
        return SOLVERS["exact"](op, b)

    try:
        op, b = _toy()
        assert float((solve("toy-jacobi", op, b).x - solve("exact", op, b).x).norm()) == 0.0
        with pytest.raises(ValueError, match="unknown solver"):
            solve("nope", op, b)
    finally:
        SOLVERS.pop("toy-jacobi")
