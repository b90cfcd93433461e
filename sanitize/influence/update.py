"""The influence update with automatic step control: ``unlearn(model, pairs, ...) -> UnlearnResult``.

Maths (T = ``n_train_tokens``, T_Z = targets in the affected sequences Z, S = objective sample of
N_S targets drawn from the retained training data D minus Z (the twins Z̃ are excluded: they enter
exactly), S_C ⊂ S the curvature sample, w = 1 - T_Z/T, d = θ - θ₀):

    objective estimate  L̂(θ) = w·[m_S(θ) - m_S(θ₀) - ∇m_S(θ₀)ᵀd] - ∇ℓ(Z,θ₀)ᵀd/T + ℓ(Z̃,θ)/T + λ/2‖d‖²
    gradient            G(θ) = w·[∇m_S(θ) - ∇m_S(θ₀)] - ∇ℓ(Z,θ₀)/T + ∇ℓ(Z̃,θ)/T + λd
    curvature           A(θ) = w·C_{S_C}(θ) + C_Z̃(θ)/T + (λ + damping) I

(``C_Z̃`` over at most ``curvature_samples`` twins -- ``head_samples`` in the head scope -- reweighted to
all of them: a product's cost is bounded by the sample sizes, not by the number of pairs.)

S is larger than S_C (``objective_samples`` vs ``curvature_samples``): a curvature product costs a few
gradients, but a step chosen on a small S overfits it -- L̂ falls while the retained loss rises (measured on
the planted LoRA experiment: with S = S_C = 64 sequences the update raised the full sanitized objective).

``m_S`` is the mean token loss on S. L̂ is the sanitized objective L̃ up to a constant, with the
sample's noise in the gradient at θ₀ replaced by the stationarity of the fine-tuned model
(``∇L(θ₀) = 0``), so that ``G(θ₀) = g = (∇ℓ(Z̃) - ∇ℓ(Z))/T`` exactly (Warnecke et al.) -- the first
round is the classic influence step (``objective="corrected"``, the default: after Z is removed the
retained data keeps pulling with -∇ℓ(Z,θ₀)/T, which is what moves the model away from the secrets).
``objective="sample"`` is the plain estimate ``L̂(θ) = w·m_S(θ) + ℓ(Z̃,θ)/T + λ/2‖θ‖²`` with gradient
``G(θ) = w·∇m_S(θ) + ∇ℓ(Z̃,θ)/T + λθ`` (every value a real loss; the first round still uses g). On a
tiny LoRA test the corrected objective unlearned more at the same held-out cost.

Each round (closed loop, up to ``max_rounds``): Δ = -A⁻¹G (order 2; solver by name) or -τG (order
1), then a line search over α on the grid ``0.7^j ≤ alpha_max`` (α = 1 included) keeps the α that minimises L̂ (or the
largest α that decreases it, ``step_rule="largest"``) among those whose held-out perplexity stays
within ``heldout_tol`` of the model before the update. With ``damping="auto"`` the damping starts at
``damping_scale ×`` the Hutchinson mean eigenvalue and follows a Levenberg-Marquardt schedule: when
no α is admissible or only a short one (< 0.25), re-solve with ×10 damping (up to ``damping_tries``;
the last try searches a grid twice as long, down to α ≈ 0.7^(2·alpha_points)) and keep the point with the
lower L̂; after a full step (α >= 1) the damping goes ÷10 (not below
the start). Rounds stop when L̂ stops decreasing, when
``monitor(model) <= target``, or at ``max_rounds``. If no α is admissible in the first round an
:class:`UnlearnError` is raised: no broken model is ever returned.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from ..errors import SanitizeError
from ..types import Pairs, TokenSequence
from .config import UpdateConfig
from .curvature import Curvature
from .grads import Problem
from .scope import Scope, head_is_tied, select_scope, untie_head
from .solvers import solve
from .tasks import CausalLMTask, Features, HeadTask

Monitor = Callable[[nn.Module], float]


class UnlearnError(SanitizeError):
    """The update cannot be made safely (e.g. every step length breaks held-out loss)."""


@dataclasses.dataclass
class UnlearnResult:
    """An update: ``delta`` (param name -> new - old), scope info, metrics and the config used.

    ``apply(model)`` returns a new model with the delta added (a tied head is untied first when the
    scope says so); ``undo(model)`` returns a new model with it subtracted. Neither touches ``model``.
    """

    delta: dict[str, torch.Tensor]
    scope: dict[str, Any]
    metrics: dict[str, Any]
    config: Any

    def apply(self, model: nn.Module) -> nn.Module:
        return self._shifted(model, +1.0)

    def undo(self, model: nn.Module) -> nn.Module:
        return self._shifted(model, -1.0)

    def _shifted(self, model: nn.Module, sign: float) -> nn.Module:
        if self.scope.get("head_untied") and head_is_tied(model):
            new = untie_head(model)  # a copy
        else:
            new = copy.deepcopy(model)
        params = dict(new.named_parameters())
        missing = [n for n in self.delta if n not in params]
        if missing:
            raise UnlearnError(f"the model has no parameter(s) {', '.join(missing[:5])} named in this update")
        with torch.no_grad():
            for name, d in self.delta.items():
                p = params[name]
                if p.shape != d.shape:
                    raise UnlearnError(f"parameter {name}: shape {tuple(p.shape)} != update {tuple(d.shape)}")
                p.add_(d.to(device=p.device, dtype=p.dtype), alpha=sign)
        return new

    def __repr__(self) -> str:
        keys = ("update_norm", "solver_residual", "damping", "step", "rounds", "heldout_loss_before",
                "heldout_loss_after")  # fmt: skip
        shown = ", ".join(f"{k}={self.metrics.get(k)!r}" for k in keys if k in self.metrics)
        return (
            f"UnlearnResult(scope={self.scope.get('kind')}, n_params={self.scope.get('n_params')}, {shown})"
        )


# -- the numerical core: works on any Problem (LM adapter, LM head on cached features, convex toys) ---
def influence_update(
    problem: Problem,
    originals: Sequence[Any],
    sanitized: Sequence[Any],
    sample: Sequence[Any],
    heldout: Sequence[Any] | None,
    n_train_tokens: int,
    config: UpdateConfig,
    monitor: Callable[[torch.Tensor], float] | None = None,
    curvature_sample: Sequence[Any] | None = None,
    curvature_twins: Sequence[Any] | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Closed-loop Newton (or gradient) steps on the sanitized objective -> (Δθ flat (P,), metrics).

    ``sample`` estimates the retained data in the objective and its gradient; ``curvature_sample``
    (default: ``sample``; usually a subset, products cost more than gradients) in the curvature.
    ``curvature_twins`` (default: all of ``sanitized``) stands for ``C_Z̃`` in the curvature, reweighted
    by ``T_Z̃ / T_twins``, so that the cost of a product does not grow with the number of pairs.
    ``monitor(theta_flat) -> float`` is called after every accepted round (and once before).
    """
    cfg, T = config, float(n_train_tokens)
    t_z = problem.n_targets(originals)
    if t_z >= T:
        raise UnlearnError(f"n_train_tokens={n_train_tokens} must exceed the {t_z} targets of the pairs")
    w = 1.0 - t_z / T
    n_s = max(problem.n_targets(sample), 1)
    curvature_sample = sample if curvature_sample is None else curvature_sample
    n_c = max(problem.n_targets(curvature_sample), 1)
    twins = sanitized if curvature_twins is None else curvature_twins
    # C_Z̃/T ≈ w_twins Σ_{twins} C: the subset stands for every twin's targets
    w_twins = problem.n_targets(sanitized) / max(problem.n_targets(twins), 1) / T
    theta0 = problem.flat0()  # (P,)
    metrics: dict[str, Any] = {
        "n_params": problem.numel, "n_pair_targets": t_z, "n_objective_targets": n_s, "n_curvature_targets": n_c,
        "n_curvature_twins": len(twins),
    }  # fmt: skip

    # pieces of L̂ and G fixed at θ₀
    grad_z0 = problem.grad_sum(problem.theta0, originals) / T  # (P,) ∇ℓ(Z)/T
    g0 = problem.grad_sum(problem.theta0, sanitized) / T - grad_z0  # (P,) the influence gradient
    m_s0 = problem.loss_sum(problem.theta0, sample) / n_s
    corrected = cfg.objective == "corrected"
    grad_ms0 = problem.grad_sum(problem.theta0, sample) / n_s if corrected else None
    metrics["grad_norm"] = float(g0.norm())

    def objective_at(theta: torch.Tensor) -> float:
        params, d = problem.params_at(theta), theta - theta0
        m_s = problem.loss_sum(params, sample) / n_s
        z_new = problem.loss_sum(params, sanitized) / T
        if grad_ms0 is None:  # plain sample estimate
            return w * m_s + z_new + 0.5 * cfg.l2 * float(theta.dot(theta))
        lin = float(grad_ms0.dot(d))
        return w * (m_s - m_s0 - lin) - float(grad_z0.dot(d)) + z_new + 0.5 * cfg.l2 * float(d.dot(d))

    def gradient_at(theta: torch.Tensor) -> torch.Tensor:
        params = problem.params_at(theta)
        g_s = problem.grad_sum(params, sample) / n_s  # (P,)
        g_new = problem.grad_sum(params, sanitized) / T  # (P,)
        if grad_ms0 is None:
            return w * g_s + g_new + cfg.l2 * theta
        return w * (g_s - grad_ms0) - grad_z0 + g_new + cfg.l2 * (theta - theta0)

    n_h = problem.n_targets(heldout) if heldout else 0

    def heldout_at(theta: torch.Tensor) -> float | None:
        return problem.loss_sum(problem.params_at(theta), heldout) / n_h if n_h else None

    h0 = heldout_at(theta0)
    metrics["heldout_loss_before"] = h0
    if monitor is not None:
        metrics["monitor_before"] = monitor(theta0)
        if cfg.target is not None and metrics["monitor_before"] <= cfg.target:
            metrics.update(rounds=0, step=[], update_norm=0.0, heldout_loss_after=h0, stop="target reached")
            return torch.zeros_like(theta0), metrics

    theta, obj = theta0.clone(), objective_at(theta0)
    metrics["objective_before"] = obj
    damping: float | None = None if cfg.damping == "auto" else float(cfg.damping)
    floor = damping
    steps, residuals, iters, monitors, dampings, products = [], [], [], [], [], 0
    first_decrease, stop = None, "max_rounds"
    grid = step_grid(cfg.alpha_max, cfg.alpha_points)
    long_grid = step_grid(cfg.alpha_max, 2 * cfg.alpha_points)
    for rnd in range(cfg.max_rounds):
        grad = g0 if rnd == 0 else gradient_at(theta)  # (P,) round 0: the influence gradient, both variants
        op = Curvature(
            problem, kind=cfg.curvature, l2=cfg.l2, params=problem.params_at(theta),
            groups=[(curvature_sample, w / n_c), (twins, w_twins)],
        )  # fmt: skip
        if (
            damping is None
        ):  # auto: relative to the mean eigenvalue (Hutchinson), the floor of the LM schedule
            mean_eig = op.mean_eigenvalue(cfg.hutchinson_probes, seed=cfg.seed)
            metrics["mean_eigenvalue"] = mean_eig
            damping = floor = cfg.damping_scale * abs(mean_eig) or 1e-8
        if rnd == 0:
            metrics["damping"] = float(damping)
        alpha, trials, best = None, [], None
        # Levenberg-Marquardt: when no step length is admissible, or only a short one (< 0.25), raise the
        # damping (towards a short gradient step), solve again and keep the better point; a first-round
        # failure after all tries is a refusal.
        tries = cfg.damping_tries if cfg.order == 2 and cfg.damping == "auto" else 1
        for attempt in range(tries):
            if attempt:
                damping *= 10.0
            op.damping = float(damping)
            if cfg.order == 2:
                sol = solve(
                    cfg.solver, op, -grad, tol=cfg.solver_tol, max_iter=_iters(cfg), max_dense=cfg.max_dense
                )
                direction, res, its = sol.x, sol.residual, sol.iterations  # (P,)
            else:
                if "tau" not in metrics:
                    tau = cfg.tau if cfg.tau != "auto" else 1.0 / max(op.top_eigenvalue(seed=cfg.seed), 1e-12)
                    metrics["tau"] = float(tau)
                direction, res, its = -float(metrics["tau"]) * grad, float("nan"), 0
            last = attempt == tries - 1 and best is None  # last resort: twice as many, shorter steps
            a, value, trials = _line_search(
                cfg, long_grid if last else grid, theta, direction, obj, objective_at, heldout_at, h0
            )
            if a is not None and (best is None or value < best[1]):
                best = (a, value, direction, float(damping), res, its)
            if best is not None and best[0] >= 0.25:
                break
        if best is not None:
            alpha, new_obj, direction, damping, res, its = best
            residuals.append(res)
            iters.append(its)
        products += op.n_products
        if alpha is None:
            if rnd == 0:
                raise UnlearnError(_refusal(cfg, trials, h0))
            stop = "no admissible step"
            break
        theta = theta + alpha * direction
        steps.append(alpha)
        dampings.append(float(damping))
        if cfg.damping == "auto" and floor is not None:  # trust the quadratic model more or less next round
            damping = (
                max(damping / 10.0, floor) if alpha >= 1.0 else damping * (10.0 if alpha < 0.25 else 1.0)
            )
        decrease, obj = obj - new_obj, new_obj
        first_decrease = decrease if first_decrease is None else first_decrease
        if monitor is not None:
            monitors.append(monitor(theta))
            if cfg.target is not None and monitors[-1] <= cfg.target:
                stop = "target reached"
                break
        if rnd > 0 and decrease < cfg.min_decrease * first_decrease:
            stop = "objective converged"
            break
    delta = theta - theta0
    metrics.update(
        rounds=len(steps), step=steps, damping_history=dampings, solver_residual=max((r for r in residuals if r == r), default=None),
        solver_residuals=residuals, solver_iterations=iters, curvature_products=products,
        update_norm=float(delta.norm()), objective_after=obj, heldout_loss_after=heldout_at(theta), stop=stop,
    )  # fmt: skip
    if monitor is not None:
        metrics["monitor_history"] = monitors
        metrics["monitor_after"] = monitors[-1] if monitors else metrics["monitor_before"]
    return delta, metrics


def step_grid(alpha_max: float, points: int, ratio: float = 0.7) -> list[float]:
    """Geometric grid ``ratio^j`` anchored at the Newton step α = 1, from ≤ alpha_max down (``points`` values)."""
    top = math.floor(math.log(alpha_max) / math.log(1 / ratio) + 1e-9)  # largest j with ratio^-j <= alpha_max
    return [ratio**j for j in range(-top, points - top)]


def _iters(cfg: UpdateConfig) -> int:
    return cfg.max_iter * 20 if cfg.solver == "lissa" else cfg.max_iter


def _line_search(
    cfg: UpdateConfig,
    grid: list[float],
    theta: torch.Tensor,
    direction: torch.Tensor,
    obj: float,
    objective_at: Callable[[torch.Tensor], float],
    heldout_at: Callable[[torch.Tensor], float | None],
    h0: float | None,
) -> tuple[float | None, float, list[dict[str, Any]]]:
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


def _refusal(cfg: UpdateConfig, trials: list[dict[str, Any]], h0: float | None) -> str:
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


# -- the public entry point ------------------------------------------------------------------------------
def unlearn(
    model: nn.Module,
    pairs: Pairs,
    *,
    curvature: Sequence[TokenSequence],
    heldout: Sequence[TokenSequence] | None,
    n_train_tokens: int,
    config: UpdateConfig | None = None,
    monitor: Monitor | None = None,
) -> UnlearnResult:
    """Remove the influence of ``pairs`` (z -> z̃) from ``model``, restricted to ``config.scope``.

    ``curvature``: sanitized training sequences (the pairs' twins and originals are dropped: the samples
    stand for the retained data); of the rest ``curvature_samples`` are sampled for the curvature and
    ``objective_samples`` (a superset) for the objective estimate and its gradient; in the head scope,
    where hidden states are cached once, ``head_samples`` for both;
    ``heldout``: sequences for the perplexity guard (None: up to 64 sequences in neither sample);
    ``n_train_tokens``: T, the number of target tokens the fine-tuning loss was normalised by;
    ``monitor(model) -> float``: optional, e.g. max exposure of the secrets (closed-loop ``target``).
    ``model`` is never modified; apply the result with ``result.apply(model)``.
    """
    cfg = config or UpdateConfig()
    start = time.perf_counter()
    if len(pairs) == 0:
        raise UnlearnError("no pairs to unlearn (no training sequence contains a finding)")
    if not curvature:
        raise UnlearnError("the curvature sample is empty: pass sanitized training sequences")
    scope = select_scope(model, cfg.scope, cfg.params)
    # The sample estimates the RETAINED data D \ Z (weight w = 1 - T_Z/T); the twins Z̃ enter the objective
    # exactly, through ℓ(Z̃)/T. A twin left in the sample would be counted twice (measured on the head
    # scope of the planted experiment: 0.20 relative error vs retraining with twins in, 0.003 without).
    paired = {tuple(p.sanitized.input_ids) for p in pairs} | {tuple(p.original.input_ids) for p in pairs}
    n_given = len(curvature)
    curvature = [s for s in curvature if tuple(s.input_ids) not in paired]
    if not curvature:
        raise UnlearnError(
            f"all {n_given} curvature sequences are pairs' twins or originals: pass the sanitized training "
            "sequences, which must include sequences without findings"
        )
    k = cfg.head_samples if scope.kind == "head" else cfg.curvature_samples
    k_obj = k if scope.kind == "head" else max(cfg.objective_samples, k)
    curv_idx, obj_idx, held = sample_indices(len(curvature), k, k_obj, 64 if heldout is None else 0, cfg.seed)
    curvature_sample = [curvature[i] for i in curv_idx]
    sample = [curvature[i] for i in obj_idx]
    heldout_source = "heldout"
    if heldout is None:
        heldout = [curvature[i] for i in held]
        heldout_source = "curvature (unsampled)" if heldout else "none"
    originals = [p.original for p in pairs]
    sanitized = [p.sanitized for p in pairs]
    # the twins' curvature C_Z̃/T: at most k of them (reweighted), so a product costs O(k) sequences however
    # many pairs there are (their gradients and losses still use every pair)
    twin_idx = sample_indices(len(pairs), k, 0, 0, cfg.seed + 1)[0]
    with _eval_mode(scope.model), _eager(scope.model):
        if scope.kind == "head":
            assert scope.module is not None
            problem = Problem(HeadTask("softmax"), scope.module, scope.local_names, cfg.batch_size * 64)
            feats = _head_features(
                scope.model, scope.module, [originals, sanitized, sample, list(heldout)], cfg
            )
            data = dict(zip(("originals", "sanitized", "sample", "heldout"), feats))
            data["curvature"] = data["sample"]  # head_samples: one cached sample for both
        else:
            problem = Problem(CausalLMTask(), scope.model, scope.local_names, cfg.batch_size)
            data = {
                "originals": originals,
                "sanitized": sanitized,
                "sample": sample,
                "heldout": list(heldout),
                "curvature": curvature_sample,
            }

        def result_for(flat: torch.Tensor) -> UnlearnResult:
            return _result(scope, problem, flat, {}, cfg)

        flat_monitor = None
        if monitor is not None:

            def flat_monitor(theta: torch.Tensor) -> float:
                return float(monitor(result_for(theta - problem.flat0()).apply(model)))

        delta, metrics = influence_update(
            problem, data["originals"], data["sanitized"], data["sample"], data["heldout"] or None,
            n_train_tokens, cfg, flat_monitor, data["curvature"], [data["sanitized"][i] for i in twin_idx],
        )  # fmt: skip
    metrics.update(
        heldout_source=heldout_source, n_pairs=len(pairs), curvature_excluded=n_given - len(curvature),
        seconds=time.perf_counter() - start,
    )  # fmt: skip
    return _result(scope, problem, delta, metrics, cfg)


def sample_indices(
    n: int, k_curvature: int, k_objective: int, n_heldout: int, seed: int
) -> tuple[list[int], list[int], list[int]]:
    """Split ``range(n)`` -> (curvature, objective, held-out) sorted index lists, from one seeded permutation.

    The curvature sample comes first (``k_curvature``), then up to ``n_heldout`` held-out indices (disjoint
    from both samples), then the rest of the objective sample, which contains the curvature sample and has
    ``max(k_objective, k_curvature)`` indices (fewer when ``n`` is too small).
    """
    order = random.Random(seed).sample(range(n), n)
    k = min(k_curvature, n)
    n_hold = min(n_heldout, n - k)
    held, rest = order[k : k + n_hold], order[:k] + order[k + n_hold :]
    return sorted(order[:k]), sorted(rest[: max(k_objective, k)]), sorted(held)


def _result(
    scope: Scope, problem: Problem, flat: torch.Tensor, metrics: dict[str, Any], cfg: Any
) -> UnlearnResult:
    tensors = problem.params_at(flat.detach())
    delta = {name: t.clone() for name, t in zip(scope.names, tensors)}
    return UnlearnResult(delta=delta, scope=scope.info(), metrics=metrics, config=cfg)


def _head_features(
    model: nn.Module, head: nn.Module, groups: list[list[TokenSequence]], cfg: UpdateConfig
) -> list[list[Features]]:
    """Inputs of the output head at every target position, one transformer pass per batch."""
    captured: list[torch.Tensor] = []
    hook = head.register_forward_hook(lambda _m, inputs, _o: captured.append(inputs[0].detach()))
    task, device = CausalLMTask(), next(head.parameters()).device
    out: list[list[Features]] = []
    try:
        with torch.no_grad():
            for items in groups:
                feats: list[Features] = []
                for start in range(0, len(items), cfg.batch_size):
                    chunk = items[start : start + cfg.batch_size]
                    batch = task.collate(chunk, device)
                    captured.clear()
                    model(input_ids=batch.input_ids, attention_mask=batch.attention_mask)
                    hidden = captured[-1]  # (B, L, d) inputs of the head
                    for i, seq in enumerate(chunk):
                        pos = [t for t in range(1, len(seq)) if seq.loss_mask[t]]  # targets t >= 1
                        x = hidden[i, [t - 1 for t in pos]]  # (n, d): the state predicting token t
                        y = batch.input_ids[i, pos]  # (n,)
                        feats.append(Features(x, y))
                out.append(feats)
    finally:
        hook.remove()
    return out


@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


@contextlib.contextmanager
def _eager(model: nn.Module) -> Iterator[None]:
    """torch.func.jvp needs eager attention (SDPA kernels have no forward-mode AD)."""
    config = getattr(model, "config", None)
    old = getattr(config, "_attn_implementation", None)
    if config is None or old in (None, "eager"):
        yield
        return
    setter = getattr(model, "set_attn_implementation", None)
    try:
        if callable(setter):
            setter("eager")
        yield
    finally:
        if callable(setter):
            with contextlib.suppress(Exception):
                setter(old)
