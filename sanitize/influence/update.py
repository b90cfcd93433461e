"""The influence update with automatic step control: ``unlearn(model, pairs, ...) -> UnlearnResult``.

Maths (T = ``n_train_tokens``, T_Z = targets in the affected sequences Z, S = objective sample of
N_S targets drawn from the retained training data D minus Z (the twins Z̃ are excluded: they enter
exactly), S_C ⊂ S the curvature sample, w = 1 - T_Z/T, d = θ - θ₀):

    objective estimate  L̂(θ) = w·[m_S(θ) - m_S(θ₀) - ∇m_S(θ₀)ᵀd] - ∇ℓ(Z,θ₀)ᵀd/T + ℓ(Z̃,θ)/T + λ/2‖d‖²
    gradient            G(θ) = w·[∇m_S(θ) - ∇m_S(θ₀)] - ∇ℓ(Z,θ₀)/T + ∇ℓ(Z̃,θ)/T + λd
    curvature           A(θ) = w·C_{S_C}(θ) + C_Z̃(θ)/T + (λ + damping) I

(``C_Z̃`` over at most ``twin_samples`` twins -- ``head_samples`` in the head scope -- reweighted to
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

The regulariser R(θ) = λ/2 (θ-θ_ref)ᵀM(θ-θ_ref) is stated (``l2``) or implicit (``l2='auto'``,
:mod:`.implicit`); above λ/2‖d‖² and λd read λ/2 dᵀMd and λMd, and λM conditions A (no damping added).
``anchor='reference'``: G(θ) = w·∇m_S(θ) + ∇ℓ(Z̃,θ)/T + λM(θ-θ_ref) from round 0 (no stationarity
assumed), the solve started at Δ = -(θ-θ_ref) on the known coordinates.

Each round (closed loop, up to ``max_rounds``): Δ = -A⁻¹G (order 2; solver by name, at most ``max_iter``
products, and all rounds together at most ``max_products``, fixed up front) or -τG (order 1), then a line
search (``search='bracket'``: α halved from 1 until the held-out perplexity stays within ``heldout_tol`` of
the model before the update and L̂ decreases, one refinement; ``'grid'``: the 0.7 grid, the α minimising
L̂) (see :mod:`.steps` for the one fallback re-solve, and the Levenberg-Marquardt damping schedule when
λ = 0). ``round_log`` reports products, residual, α and seconds per round. Rounds stop
when L̂ stops decreasing, when ``monitor(model) <= target``, or at ``max_rounds``. If no α is
admissible in the first round an :class:`UnlearnError` is raised: no broken model is ever returned.
``refine_steps`` > 0 then continues with Adam steps on the twins' replaced tokens (:mod:`.refine`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from ..types import Pairs, TokenSequence
from . import implicit
from .config import UpdateConfig
from .curvature import Curvature
from .grads import Problem, path_gradient
from .implicit import TrainingLog
from .lmdata import eager, eval_mode, head_features, sample_indices
from .refine import refine, replaced_spans
from .result import UnlearnError, UnlearnResult
from .scope import Scope, select_scope
from .steps import newton_step, refusal, step_grid  # noqa: F401 - step_grid re-exported
from .tasks import CausalLMTask, HeadTask

Monitor = Callable[[nn.Module], float]


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
    *,
    reference: torch.Tensor | None = None,
    known: torch.Tensor | None = None,
    log: TrainingLog | None = None,
    spans: Sequence[Sequence[Any]] = ((), ()),
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Closed-loop Newton (or gradient) steps on the sanitized objective -> (Δθ flat (P,), metrics).

    ``sample`` estimates the retained data in the objective and its gradient; ``curvature_sample``
    (default: ``sample``; usually a subset, products cost more than gradients) in the curvature.
    ``curvature_twins`` (default: all of ``sanitized``) stands for ``C_Z̃`` in the curvature, reweighted
    by ``T_Z̃ / T_twins``, so that the cost of a product does not grow with the number of pairs.
    ``reference`` (P,) θ_ref of the fine-tuning where ``known`` (bool (P,); None: everywhere) and ``log``
    (:class:`~.implicit.TrainingLog`) feed the implicit regulariser when ``config.l2 == 'auto'``.
    ``monitor(theta_flat) -> float`` is called after every accepted round (and once before). ``spans``
    (:func:`~.refine.replaced_spans`: the twins' and the originals') feed ``config.refine_steps`` > 0.
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
    theta0 = problem.flat0()  # (P,) the fine-tuned point θ̂
    metrics: dict[str, Any] = {
        "n_params": problem.numel, "n_pair_targets": t_z, "n_objective_targets": n_s, "n_curvature_targets": n_c,
        "n_curvature_twins": len(twins),
    }  # fmt: skip
    clock = time.perf_counter()

    # pieces of L̂ and G fixed at θ̂
    grad_z0 = problem.grad_sum(problem.theta0, originals) / T  # (P,) ∇ℓ(Z)/T
    grad_z_point = grad_z0  # (P,) at θ̂: what the stationarity fit of λ sees
    if cfg.pair_path > 0 and reference is not None and known is None:  # Z's push along θ_ref -> θ̂ (config)
        grad_z0 = path_gradient(problem, originals, theta0, theta0 - reference, cfg.pair_path) / T  # (P,)
        metrics["pair_path"] = cfg.pair_path
    g0 = problem.grad_sum(problem.theta0, sanitized) / T - grad_z0  # (P,) the influence gradient
    explicit = cfg.anchor == "reference"  # Newton on L̃ + R with its measured gradient (no stationarity)
    corrected = cfg.objective == "corrected" and not explicit
    metrics["grad_norm"] = float(g0.norm())
    # R(θ) = λ/2 (θ-θ_ref)ᵀM(θ-θ_ref); ∇L_train(θ̂) ≈ w·∇m_S + ∇ℓ(Z)/T is what the fit makes stationary
    adam = None  # no Adam state known: estimate Adam's metric from mini-batch gradients at θ̂
    if cfg.l2 == "auto" and (log is None or (log.optimizer == "adamw" and log.exp_avg_sq is None)):
        loss_s0, sums, counts = implicit.batch_gradient_sums(problem, sample, cfg.batch_size, cfg.seed + 2)
        adam, grad_s0 = implicit.batch_metric(sums / counts[:, None]), sums.sum(0)  # one pass over S for both
    else:
        loss_s0, grad_s0 = problem.value_grad_sum(problem.theta0, sample)
    m_s0, grad_ms0 = loss_s0 / n_s, grad_s0 / n_s  # m_S(θ̂), (P,) ∇m_S(θ̂)
    grad_path = None  # () -> (P,) ∇L_train averaged along θ_ref -> θ̂, computed only if the point fit needs it
    if cfg.fit_path > 0 and reference is not None and cfg.l2 == "auto" and not (log and log.lrs):
        d_known = (known.to(theta0.dtype) if known is not None else 1.0) * (theta0 - reference)  # (P,)

        def grad_path() -> torch.Tensor:  # the curvature sample stands for D \ Z; Z's average is reused
            g = w * path_gradient(problem, curvature_sample, theta0, d_known, cfg.fit_path) / n_c  # (P,)
            same = "pair_path" in metrics and cfg.pair_path == cfg.fit_path  # grad_z0 is this very average
            z = grad_z0 if same else path_gradient(problem, originals, theta0, d_known, cfg.fit_path) / T
            return g + z

    reg = implicit.estimate(
        theta0, w * grad_ms0 + grad_z_point, l2=cfg.l2, ref=reference, known=known, log=log, adam=adam,
        grad_path=grad_path,
    )  # fmt: skip
    ref = reg.ref if reg.ref is not None else torch.zeros_like(theta0)  # (P,)
    # the pull λM(θ - θ_ref) acts where θ_ref is known (LoRA: B, not A's random init); λM conditions all
    mask = known.to(theta0.dtype) if known is not None else torch.ones_like(theta0)  # (P,) 0/1
    metrics["regulariser"] = {"lambda": reg.lam, "source": reg.source, "metric": reg.metric is not None}
    metrics["regulariser"].update(reg.info)

    kept: list[tuple[torch.Tensor, torch.Tensor]] = []  # (θ, G(θ)) of the last point evaluated with G

    def objective_at(theta: torch.Tensor, grad: bool = False) -> float:
        """L̂(θ); with ``grad`` the same passes also give G(θ) (kept for :func:`gradient_at`: a line search's
        last look is usually the next round's point, and a backward costs less than a second forward)."""
        params, d = problem.params_at(theta), theta - theta0
        if grad:
            v_s, g_s = problem.value_grad_sum(params, sample)
            v_z, g_new = problem.value_grad_sum(params, sanitized)
        else:
            v_s = None if theta is theta0 else problem.loss_sum(params, sample)  # m_S is known at θ̂
            v_z, g_s, g_new = problem.loss_sum(params, sanitized), None, None
        m_s, z_new = m_s0 if v_s is None else v_s / n_s, v_z / T
        if not corrected:  # plain sample estimate
            value = w * m_s + z_new + reg.value(mask * (theta - ref))
        else:
            value = w * (m_s - m_s0 - float(grad_ms0.dot(d))) - float(grad_z0.dot(d)) + z_new + reg.value(d)
        if g_s is not None and g_new is not None:
            g_s, g_new = g_s / n_s, g_new / T  # (P,) (P,)
            if not corrected:
                kept[:] = [(theta, w * g_s + g_new + mask * reg.grad(mask * (theta - ref)))]
            else:
                kept[:] = [(theta, w * (g_s - grad_ms0) - grad_z0 + g_new + reg.grad(theta - theta0))]
        return value

    def gradient_at(theta: torch.Tensor) -> torch.Tensor:
        if not (kept and torch.equal(kept[0][0], theta)):
            objective_at(theta, grad=True)
        return kept[0][1]  # (P,)

    n_h = problem.n_targets(heldout) if heldout else 0

    def heldout_at(theta: torch.Tensor) -> float | None:
        return problem.loss_sum(problem.params_at(theta), heldout) / n_h if n_h else None

    h0 = metrics["heldout_loss_before"] = heldout_at(theta0)
    if monitor is not None:
        metrics["monitor_before"] = monitor(theta0)
        if cfg.target is not None and metrics["monitor_before"] <= cfg.target:
            metrics.update(rounds=0, step=[], update_norm=0.0, heldout_loss_after=h0, stop="target reached")
            return torch.zeros_like(theta0), metrics

    theta, obj = theta0.clone(), objective_at(theta0)
    metrics["objective_before"] = obj
    damping: float | None = None if cfg.damping == "auto" else float(cfg.damping)
    if damping is None and reg.lam > 0.0:  # the regulariser is the conditioner: nothing added
        damping = 0.0
    floor, tau = damping, None
    steps, rounds, monitors, products, first_decrease, stop = [], [], [], 0, None, "max_rounds"
    metrics["setup_seconds"] = time.perf_counter() - clock
    for rnd in range(cfg.max_rounds):
        clock = time.perf_counter()
        # (P,) round 0: the influence gradient g (stationary), or ∇L̃(θ̂) + λM(θ̂ - θ_ref) measured (explicit)
        grad = g0 if rnd == 0 and not explicit else gradient_at(theta)
        op = Curvature(
            problem, kind=cfg.curvature, l2=reg.lam, metric=reg.metric, params=problem.params_at(theta),
            groups=[(curvature_sample, w / n_c), (twins, w_twins)],
        )  # fmt: skip
        if damping is None:  # λ = 0: relative to the mean eigenvalue (Hutchinson), floor of the LM schedule
            metrics["mean_eigenvalue"] = op.mean_eigenvalue(cfg.hutchinson_probes, seed=cfg.seed)
            damping = floor = cfg.damping_scale * abs(metrics["mean_eigenvalue"]) or 1e-8
        if cfg.order == 1 and tau is None:
            tau = cfg.tau if cfg.tau != "auto" else 1.0 / max(op.top_eigenvalue(seed=cfg.seed), 1e-12)
            metrics["tau"] = float(tau)
        if rnd == 0:
            metrics["damping"] = float(damping)
        start = -mask * (theta - ref) if explicit else None  # (P,) explicit: solve from the reference
        left = cfg.max_products - products  # the budget is fixed up front, for all rounds together
        if rnd > 0 and left < 3:
            stop = "product budget"
            break
        more = rnd + 1 < cfg.max_rounds  # a next round needs G at this round's point
        step = newton_step(
            cfg, op, grad, theta, obj, objective_at, heldout_at, h0, damping, tau, start, left, more
        )
        products += op.n_products
        rounds.append({"products": op.n_products, "residual": step.residual, "iterations": step.iterations,
                       "alpha": step.alpha, "damping": step.damping, "fallbacks": step.fallbacks,
                       "decrease": obj - step.value, "evaluations": len(step.trials),
                       "predicted": step.predicted(step.alpha) if step.alpha is not None else float("nan"),
                       "seconds": time.perf_counter() - clock})  # fmt: skip
        if step.alpha is None:
            if rnd == 0:
                raise UnlearnError(refusal(cfg, step.trials, h0))
            stop = "no admissible step"
            break
        theta = theta + step.alpha * step.direction
        steps.append(step.alpha)
        damping = step.damping
        if cfg.damping == "auto" and reg.lam == 0.0:  # LM: trust the quadratic model more or less next round
            damping = (
                max(damping / 10.0, floor)
                if step.alpha >= 1.0
                else damping * (10.0 if step.alpha < 0.25 else 1.0)
            )
        elif cfg.damping == "auto":
            damping = floor  # regularised: every round starts undamped
        decrease, obj = obj - step.value, step.value
        first_decrease = decrease if first_decrease is None else first_decrease
        if monitor is not None:
            monitors.append(monitor(theta))
            if cfg.target is not None and monitors[-1] <= cfg.target:
                stop = "target reached"
                break
        if rnd > 0 and decrease < cfg.min_decrease * first_decrease:
            stop = "objective converged"
            break
    if cfg.refine_steps and spans[0] and stop != "target reached":
        theta, metrics["refine"] = refine(problem, *spans, sample, theta, cfg, heldout_at, h0, monitor)
    delta = theta - theta0
    residuals = [r["residual"] for r in rounds if r["alpha"] is not None]
    metrics.update(
        rounds=len(steps), step=steps, damping_history=[r["damping"] for r in rounds if r["alpha"] is not None],
        solver_residual=max((r for r in residuals if r == r), default=None), solver_residuals=residuals,
        solver_iterations=[r["iterations"] for r in rounds], curvature_products=products, round_log=rounds,
        update_norm=float(delta.norm()), objective_after=obj, heldout_loss_after=heldout_at(theta), stop=stop,
    )  # fmt: skip
    if monitor is not None:
        metrics["monitor_history"] = monitors
        metrics["monitor_after"] = monitors[-1] if monitors else metrics["monitor_before"]
    return delta, metrics


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
    reference: nn.Module | None = None,
    log: TrainingLog | None = None,
) -> UnlearnResult:
    """Remove the influence of ``pairs`` (z -> z̃) from ``model``, restricted to ``config.scope``.

    ``curvature``: sanitized training sequences (the pairs' twins and originals are dropped: the samples
    stand for the retained data); of the rest ``curvature_samples`` are sampled for the curvature and
    ``objective_samples`` (a superset) for the objective estimate and its gradient; in the head scope,
    where hidden states are cached once, ``head_samples`` for both;
    ``heldout``: sequences for the perplexity guard (None: up to 64 sequences in neither sample);
    ``n_train_tokens``: T, the number of target tokens the fine-tuning loss was normalised by;
    ``monitor(model) -> float``: optional, e.g. max exposure of the secrets (closed-loop ``target``).
    ``reference``: the model before fine-tuning (same architecture; its scope is θ_ref of the implicit
    regulariser, e.g. the base model for the head scope; LoRA needs none: B starts at 0);
    ``log``: what is known about the fine-tuning (:func:`~.implicit.trainer_log` reads a Trainer checkpoint).
    ``model`` is never modified; apply the result with ``result.apply(model)``.
    """
    _check_arguments(model, pairs, curvature, heldout, n_train_tokens, config)
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
    spans = replaced_spans(pairs) if cfg.refine_steps else ([], [])  # the refinement's twins and secrets
    # C_Z̃/T from at most twin_samples twins (reweighted): a product's cost does not grow with the pairs
    k_twins = k if scope.kind == "head" else cfg.twin_samples
    twin_idx = sample_indices(len(pairs), k_twins, 0, 0, cfg.seed + 1)[0]
    with eval_mode(scope.model), eager(scope.model):
        if scope.kind == "head":
            assert scope.module is not None
            problem = Problem(HeadTask("softmax"), scope.module, scope.local_names, cfg.batch_size * 64)
            groups = [originals, sanitized, sample, list(heldout), *spans]
            data = dict(zip(("originals", "sanitized", "sample", "heldout", "twins", "secrets"), head_features(
                scope.model, scope.module, groups, cfg)))  # fmt: skip
            data["curvature"] = data["sample"]  # head_samples: one cached sample for both
        else:
            problem = Problem(CausalLMTask(), scope.model, scope.local_names, cfg.batch_size)
            data = {"originals": originals, "sanitized": sanitized, "sample": sample, "heldout": list(heldout),
                    "curvature": curvature_sample, "twins": spans[0], "secrets": spans[1]}  # fmt: skip
        ref_scope = select_scope(reference, cfg.scope, cfg.params) if reference else None
        ref_params = list(ref_scope.params.values()) if ref_scope else None
        ref, known = implicit.reference_vector(scope.names, problem.theta0, ref_params)
        flat_monitor = None
        if monitor is not None:

            def flat_monitor(theta: torch.Tensor) -> float:  # applied to a copy, never the caller's model
                return float(monitor(_result(scope, problem, theta - problem.flat0(), {}, cfg).apply(model)))

        delta, metrics = influence_update(
            problem, data["originals"], data["sanitized"], data["sample"], data["heldout"] or None,
            n_train_tokens, cfg, flat_monitor, data["curvature"], [data["sanitized"][i] for i in twin_idx],
            reference=ref, known=known, log=log, spans=(data["twins"], data["secrets"]),
        )  # fmt: skip
    metrics.update(
        heldout_source=heldout_source, n_pairs=len(pairs), curvature_excluded=n_given - len(curvature),
        seconds=time.perf_counter() - start,
    )  # fmt: skip
    return _result(scope, problem, delta, metrics, cfg)


def _result(
    scope: Scope, problem: Problem, flat: torch.Tensor, metrics: dict[str, Any], cfg: Any
) -> UnlearnResult:
    tensors = problem.params_at(flat.detach())
    delta = {name: t.clone() for name, t in zip(scope.names, tensors)}
    return UnlearnResult(delta=delta, scope=scope.info(), metrics=metrics, config=cfg)


def _check_arguments(
    model: Any, pairs: Any, curvature: Any, heldout: Any, n_train_tokens: Any, config: Any
) -> None:
    """Wrong arguments are named here, not deep inside the maths."""
    if not isinstance(model, nn.Module):
        raise UnlearnError(f"unlearn: model must be a torch/transformers model, got {type(model).__name__}")
    if not isinstance(pairs, Pairs):
        raise UnlearnError(
            f"unlearn: pairs must be sanitize.Pairs (from build_pairs), got {type(pairs).__name__}"
        )
    for name, value in (("curvature", curvature), ("heldout", heldout)):
        if value is None and name == "heldout":
            continue
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise UnlearnError(
                f"unlearn: {name} must be a sequence of TokenSequence, got {type(value).__name__}"
            )
        if any(not isinstance(s, TokenSequence) for s in value):
            raise UnlearnError(f"unlearn: {name} must hold TokenSequence items (from tokenize_corpus)")
    if isinstance(n_train_tokens, bool) or not isinstance(n_train_tokens, int) or n_train_tokens < 1:
        raise UnlearnError(f"unlearn: n_train_tokens must be a positive int, got {n_train_tokens!r}")
    if config is not None and not isinstance(config, UpdateConfig):
        raise UnlearnError(f"unlearn: config must be an UpdateConfig, got {type(config).__name__}")
