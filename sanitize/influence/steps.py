"""Step control of the influence update: one Newton (or gradient) step with its line search.

Each round solves ``A Δ = -G`` with ``A = w·C_{S_C} + C_Z̃/T + λM + damping·I`` (:mod:`.curvature`) and
searches α on the grid ``0.7^j ≤ alpha_max`` (α = 1 included) for the α that minimises the objective
estimate L̂ (or the largest α that decreases it, ``step_rule="largest"``) among those whose held-out
perplexity stays within ``heldout_tol`` of the model before the update.

With the regulariser of the fine-tuning (λ > 0, :mod:`.implicit`) A is well conditioned by construction:
no damping is added and the solver's budget (``max_iter`` products) is fixed up front. Only when no α is
admissible is the step re-solved once with ``damping = 9λ`` (a trust region 10x tighter), reported in
``fallbacks``. With λ = 0 (an unregularised objective stated as ``l2=0``) the old Levenberg-Marquardt
schedule applies: damping from ``damping_scale ×`` the Hutchinson mean eigenvalue, x10 up to
``damping_tries`` times while no α (or only α < 0.25) is admissible.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import torch

from .config import UpdateConfig
from .curvature import Curvature
from .solvers import solve


@dataclasses.dataclass
class Step:
    alpha: float | None  # None: no admissible step length
    value: float  # objective estimate at the accepted point
    direction: torch.Tensor  # (P,)
    damping: float
    residual: float  # solver's relative residual
    iterations: int
    trials: list[dict[str, Any]]
    fallbacks: int  # re-solves with more damping
    slope: float = float("nan")  # Gᵀd: the objective's derivative along the direction at α = 0
    curvature: float = float("nan")  # dᵀA d (order 2 from 0: the solver's; else unknown)

    def predicted(self, alpha: float) -> float:
        """The quadratic model's decrease at ``alpha``: ``-(α Gᵀd + α²/2 dᵀA d)`` (nan if unknown)."""
        return -(alpha * self.slope + 0.5 * alpha * alpha * self.curvature)


def newton_step(
    cfg: UpdateConfig, op: Curvature, grad: torch.Tensor, theta: torch.Tensor, obj: float,
    objective_at: Callable[..., float], heldout_at: Callable[[torch.Tensor], float | None],
    h0: float | None, damping: float, tau: float | None, start: torch.Tensor | None = None,
    budget: int | None = None, keep_grad: bool = False,
) -> Step:  # fmt: skip
    """Solve for the direction at ``damping``, line-search it; re-solve with more damping if nothing is admissible.

    ``start`` (P,): the solver's initial guess for Δ (default 0); what a bounded solve leaves unresolved
    (the flattest directions) stays there, e.g. ``-(θ - θ_ref)`` on the known coordinates: back at the
    reference, where retraining leaves a direction it never moves. ``budget``: the most curvature products
    this step may use (solver iterations, its residual check, a re-solve); None = ``max_iter`` per solve.
    ``keep_grad``: the bracket search's refining look asks ``objective_at(θ, grad=True)`` (the gradient there is
    the next round's, when that look is the step taken)."""
    grid, long_grid = (
        step_grid(cfg.alpha_max, cfg.alpha_points),
        step_grid(cfg.alpha_max, 2 * cfg.alpha_points),
    )
    regularised = op.l2 > 0.0
    if cfg.order != 2 or cfg.damping != "auto":
        tries = 1
    else:
        tries = 2 if regularised else cfg.damping_tries
    best: Step | None = None
    trials: list[dict[str, Any]] = []
    for attempt in range(tries):
        if attempt:  # regularised: one trust-region retry at 10x (λ + damping); else x10 damping (LM)
            damping = 9.0 * op.l2 + 10.0 * damping if regularised else 10.0 * damping
        op.damping = float(damping)
        if cfg.order == 2:
            iters = _iters(cfg)
            if budget is not None:  # what is left of the budget, less the residual check (and the start)
                iters = min(iters, budget - op.n_products - 1 - (start is not None))
                if iters < 1:
                    break
            rhs = -grad if start is None else -grad - op.matvec(start)  # (P,) A(Δ - start) = -G - A·start
            sol = solve(cfg.solver, op, rhs, tol=cfg.solver_tol, max_iter=iters, max_dense=cfg.max_dense)
            direction = sol.x if start is None else start + sol.x  # (P,)
            res, its = sol.residual, sol.iterations
            curv = sol.curvature if start is None else float("nan")  # dᵀA d
        else:
            direction, res, its, curv = -float(tau) * grad, float("nan"), 0, float("nan")  # (P,)
        slope = float(torch.dot(grad, direction))  # Gᵀd, < 0 for a descent direction
        last = attempt == tries - 1 and best is None and tries > 1  # last resort: longer grid, shorter steps
        if cfg.search == "bracket" and cfg.line_search:
            points = 2 * cfg.alpha_points if last else cfg.alpha_points
            a, value, trials = bracket_search(
                cfg, points, theta, direction, obj, objective_at, heldout_at, h0, slope, keep_grad
            )
        else:
            a, value, trials = line_search(cfg, long_grid if last else grid, theta, direction, obj,
                                           objective_at, heldout_at, h0)  # fmt: skip
        if a is not None and (best is None or value < best.value):
            best = Step(a, value, direction, float(damping), res, its, trials, attempt, slope, curv)
        if best is not None and (regularised or best.alpha >= 0.25):
            break
    return best or Step(None, obj, torch.zeros_like(grad), float(damping), float("nan"), 0, trials, tries - 1)


def step_grid(alpha_max: float, points: int, ratio: float = 0.7) -> list[float]:
    """Geometric grid ``ratio^j`` anchored at the Newton step α = 1, from ≤ alpha_max down (``points`` values)."""
    top = math.floor(math.log(alpha_max) / math.log(1 / ratio) + 1e-9)  # largest j with ratio^-j <= alpha_max
    return [ratio**j for j in range(-top, points - top)]


def _iters(cfg: UpdateConfig) -> int:
    return cfg.max_iter * 20 if cfg.solver == "lissa" else cfg.max_iter


def line_search(
    cfg: UpdateConfig, grid: list[float], theta: torch.Tensor, direction: torch.Tensor, obj: float,
    objective_at: Callable[[torch.Tensor], float], heldout_at: Callable[[torch.Tensor], float | None],
    h0: float | None,
) -> tuple[float | None, float, list[dict[str, Any]]]:  # fmt: skip
    """-> (alpha or None, objective at the accepted point, trials)."""
    trials: list[dict[str, Any]] = []
    for alpha in grid if cfg.line_search else [1.0]:
        cand = theta + alpha * direction  # (P,)
        h = heldout_at(cand)
        ok = h is None or h0 is None or math.exp(h - h0) - 1.0 <= cfg.heldout_tol
        value = objective_at(cand) if ok else float("nan")
        trials.append({"alpha": alpha, "heldout": h, "objective": value, "admissible": ok})
        if ok and value < obj and cfg.step_rule == "largest":
            break
        done = [t["objective"] for t in trials if t["admissible"] and t["objective"] < obj]
        if ok and done and value > min(done):  # past the minimum along the ray (unimodal): stop
            break
    good = [t for t in trials if t["admissible"] and t["objective"] < obj]
    if not cfg.line_search:  # unchecked step: only the held-out guard applies
        good = [t for t in trials if t["admissible"]]
    if not good:
        return None, obj, trials
    best = good[0] if cfg.step_rule == "largest" else min(good, key=lambda t: t["objective"])
    return best["alpha"], best["objective"], trials


def bracket_search(
    cfg: UpdateConfig, points: int, theta: torch.Tensor, direction: torch.Tensor, obj: float,
    objective_at: Callable[..., float], heldout_at: Callable[[torch.Tensor], float | None],
    h0: float | None, slope: float = float("nan"), keep_grad: bool = False,
) -> tuple[float | None, float, list[dict[str, Any]]]:  # fmt: skip
    """The cheap search -> (alpha or None, objective there, trials): halve α from min(1, alpha_max) until the
    held-out guard admits it and L̂ decreases (the Newton model's minimum is α = 1); then, if the guard
    refused a longer step, one secant step on the held-out loss toward the guard's limit, else (``step_rule``
    'min') one look at the minimum of the quadratic through L̂(0), its slope ``slope`` = Gᵀd there and L̂(α)
    (:func:`interpolated`), kept if L̂ is lower; none when that minimum is within 20% of α (or, slope
    unknown, at α/2).

    Held-out losses (a small set) are evaluated at every α tried, L̂ (the objective sample) only where the
    guard admits: at most ``points`` held-out and, in the usual cases, 1-2 objective evaluations a round
    (the grid search of :func:`line_search` evaluates L̂ at every admissible point down its 0.7 grid)."""
    tol = math.log1p(cfg.heldout_tol)
    trials: list[dict[str, Any]] = []

    def attempt(alpha: float, refine: bool = False) -> dict[str, Any]:
        cand = theta + alpha * direction  # (P,)
        h = heldout_at(cand)
        ok = h is None or h0 is None or h - h0 <= tol
        value = math.nan  # L̂ only where the guard admits the step
        if ok:
            value = objective_at(cand, grad=True) if refine and keep_grad else objective_at(cand)
        trials.append({"alpha": alpha, "heldout": h, "objective": value, "admissible": ok})
        return trials[-1]

    alpha, refused, found = min(1.0, cfg.alpha_max), None, None
    for _ in range(points):
        t = attempt(alpha)
        if t["admissible"] and t["objective"] < obj:
            found = t
            break
        if not t["admissible"]:
            refused = t
        alpha *= 0.5
    if found is None:
        return None, obj, trials
    if cfg.step_rule == "min" and refused is None:  # not the guard's limit: is L̂ lower at a shorter step?
        a = interpolated(obj, slope, found["alpha"], found["objective"])
        if a < 0.8 * found["alpha"]:
            t = attempt(a, refine=True)
            if t["admissible"] and t["objective"] < found["objective"]:
                return t["alpha"], t["objective"], trials
    if (
        refused is not None
        and refused["heldout"] is not None
        and found["heldout"] is not None
        and h0 is not None
    ):
        rise = refused["heldout"] - found["heldout"]  # > 0: the guard refused the longer step
        if rise > 0:
            frac = min(1.0, 0.9 * (h0 + tol - found["heldout"]) / rise)  # secant toward the guard's limit
            a = found["alpha"] + frac * (refused["alpha"] - found["alpha"])
            if a > 1.05 * found["alpha"]:
                t = attempt(a, refine=True)
                if t["admissible"] and t["objective"] < found["objective"]:
                    found = t
    return found["alpha"], found["objective"], trials


def interpolated(value0: float, slope: float, alpha: float, value: float) -> float:
    """Minimiser of the quadratic q with q(0) = ``value0``, q'(0) = ``slope`` (< 0), q(``alpha``) = ``value``
    (Nocedal & Wright, 3.5), clamped to [α/8, α]; α/2 when the slope is unknown, α when q is not convex."""
    if math.isnan(slope) or slope >= 0.0:  # unknown, or not a descent direction: the plain halving
        return 0.5 * alpha
    c = (value - value0 - alpha * slope) / (alpha * alpha)  # q(t) = value0 + slope·t + c·t²
    if c <= 0.0:  # L̂ falls at least linearly up to α: no shorter step is better
        return alpha
    return min(max(-slope / (2.0 * c), alpha / 8.0), alpha)


def refusal(cfg: UpdateConfig, trials: list[dict[str, Any]], h0: float | None) -> str:
    worst = [
        f"alpha={t['alpha']:.3g}: held-out ppl x{math.exp(t['heldout'] - h0):.4f}"
        for t in trials
        if t["heldout"] is not None and h0 is not None
    ]
    return (
        "refusing to return a broken model: no step length keeps held-out perplexity within "
        f"heldout_tol={cfg.heldout_tol} while lowering the sanitized objective "
        f"({'; '.join(worst[-3:]) or 'no held-out set'}). Try a larger heldout_tol, more curvature_samples or objective_samples, "
        "or scope='head'."
    )
