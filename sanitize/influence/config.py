"""The influence update's configuration (see :func:`sanitize.influence.unlearn`)."""

from __future__ import annotations

import dataclasses

from ..config import BaseConfig, option, seed_option


@dataclasses.dataclass
class UpdateConfig(BaseConfig):
    """How the influence update is computed and controlled (see :func:`sanitize.influence.unlearn`)."""

    scope: str = option(
        "auto",
        help="Parameters the update may change: 'auto' = the adapter when the model has an active PEFT "
        "adapter, else the head; 'adapter' (found structurally via peft tuner layers), 'head' (output "
        "embeddings; a tied head is untied on a copy) or 'params' (glob patterns in `params`).",
        choices=("auto", "adapter", "head", "params"),
    )
    params: list[str] = option([], help="Glob patterns over named_parameters() names for scope 'params'.")
    order: int = option(2, help="1 = first order (gradient step -tau*g), 2 = Newton step -A^-1 g.")
    tau: float | str = option(
        "auto", help="First-order step size; 'auto' = 1 / (power-iteration top eigenvalue of the curvature)."
    )
    curvature: str = option("ggn", help="'ggn' (Gauss-Newton, PSD), 'hessian' (double backward) or 'fisher'.")
    solver: str = option("cg", help="Linear solver: 'exact' (dense, small scopes), 'cg' or 'lissa'.")
    damping: float | str = option(
        "auto", help="Added to the curvature diagonal; 'auto' = damping_scale * mean eigenvalue (Hutchinson)."
    )
    damping_scale: float = option(
        0.01, help="Relative damping used when damping='auto' (start and floor of the adaptive schedule)."
    )
    damping_tries: int = option(
        4,
        help="With damping='auto': re-solve with 10x damping up to this many times when no step is admissible.",
    )
    l2: float | str = option(
        "auto",
        help="L2 coefficient of the training objective (lambda/2 ||theta||^2), part of the curvature; 'auto' = "
        "the regulariser the fine-tuning implicitly had (lambda ~ 1/sum of learning rates from a training log, "
        "else fitted to the stationarity residual toward the reference point).",
    )
    anchor: str = option(
        "stationary",
        choices=("stationary", "reference"),
        help="'stationary' = the influence step, assuming the fine-tuned point is stationary for loss + "
        "regulariser; 'reference' = a Newton step on the sanitized loss + regulariser with its measured "
        "gradient, solved from the reference point (directions the retained data does not determine go back).",
    )
    fit_path: int = option(
        3,
        help="l2='auto' without a learning-rate log: fit lambda to the training gradient averaged over this many "
        "midpoints of the segment from the reference to the fine-tuned point (secant stationarity; 0 = the "
        "gradient at the fine-tuned point only).",
    )
    pair_path: int = option(
        3,
        help="With a reference known for the whole scope (e.g. the head of --original): average the affected "
        "sequences' gradient (the pull the retained data keeps once they are removed) over this many midpoints "
        "of the segment from the reference to the fine-tuned point, not at the fine-tuned point, where a "
        "memorised secret's gradient has vanished (0 = at the point; LoRA has no known start: always the point).",
    )
    curvature_samples: int = option(
        32,
        help="Retained training sequences sampled for the curvature (products cost most: keep it small).",
    )
    twin_samples: int = option(
        32,
        help="Twins Z̃ whose curvature is computed (a reweighted subset when there are more pairs; head scope: "
        "head_samples). Each costs a product as much as a retained sequence, but fewer are not free: 16 or 8 "
        "(~12% / ~20% off a 1x update) moved recipe-matrix cells from pass to +1.1 bits over retraining.",
    )
    objective_samples: int = option(
        512,
        help="Retained training sequences sampled for the objective estimate and its gradient (line search, "
        "closed loop); a superset of the curvature sample. Only losses and gradients run on it, so it can be "
        "larger: a small one lets the step overfit the sample (held-out loss rises while the estimate falls).",
    )
    head_samples: int = option(
        2048,
        help="Curvature sample size in head mode: hidden states are cached once, so a large sample is cheap "
        "and makes the convex head problem's curvature (and the objective estimate) close to exact.",
    )
    solver_tol: float = option(
        0.1,
        help="Relative residual at which cg/lissa stop: an inexact Newton step (forcing term; the line search "
        "and the closed loop correct what the quadratic model gets wrong).",
    )
    max_iter: int = option(20, help="Iteration cap for cg (lissa gets 20x this).")
    max_products: int = option(
        64,
        help="Curvature products for the whole update, all rounds together (solver iterations, residual checks, "
        "re-solves, eigenvalue estimates): fixed up front; the closed loop stops when fewer than 3 are left.",
    )
    hutchinson_probes: int = option(4, help="Rademacher probes for the mean-eigenvalue estimate.")
    line_search: bool = option(
        True, help="Search the step length alpha on a geometric grid (else take alpha=1 unchecked)."
    )
    search: str = option(
        "bracket",
        choices=("bracket", "grid"),
        help="Line search: 'bracket' = halve alpha from 1 until the held-out guard admits it and the objective "
        "decreases, then one secant step toward the guard (few evaluations); 'grid' = every point of the 0.7 "
        "grid down from alpha_max, keeping the step_rule's choice.",
    )
    alpha_max: float = option(1.5, help="Largest step length tried by the line search.")
    alpha_points: int = option(
        10, help="Points of the geometric line-search grid 0.7^j <= alpha_max (1 included)."
    )
    step_rule: str = option(
        "min",
        help="'min' = alpha minimising the sanitized-objective estimate; 'largest' = largest admissible "
        "alpha that decreases it.",
    )
    objective: str = option(
        "corrected",
        help="Line-search / closed-loop objective: 'corrected' = sanitized objective estimated on the curvature "
        "sample with the sample's gradient at the start replaced by the removed pull -grad loss(Z)/T (the "
        "influence-function model; its gradient at the start is exactly the influence gradient g); "
        "'sample' = (1 - T_Z/T) * mean loss on the curvature sample + loss(Z~)/T.",
    )
    heldout_tol: float = option(
        0.01, help="Allowed relative increase of held-out perplexity per update (0.01 = 1%)."
    )
    max_rounds: int = option(
        3,
        help="Closed loop: recompute gradients at the new point and take up to this many Newton steps (0: none, "
        "the refinement alone when refine_steps > 0).",
    )
    min_decrease: float = option(
        1e-4,
        help="Stop the closed loop when a round lowers the objective estimate by less than this (relative).",
    )
    target: float | None = option(
        None, help="Stop the closed loop once monitor(model) <= target (e.g. max exposure in bits)."
    )
    refine_steps: int = option(
        0,
        help="Adam steps after the closed loop on the twins' replaced tokens, anchored by KL to the fine-tuned "
        "model's predictions on the retained sample (sanitize.influence.refine; 0 = off). For secrets memorised "
        "over many epochs, where the Newton model sees almost no curvature at the saturated softmax.",
    )
    refine_lr: float = option(2e-3, help="Adam's learning rate in the refinement.")
    refine_anchor: float = option(
        10.0, help="Weight beta of the KL anchor to the fine-tuned model's predictions (0 = twins only)."
    )
    refine_unlearn: float = option(
        0.0,
        help="Weight of an unlikelihood term -log(1 - p) on each secret's tokens in the refinement, applied while "
        "the secret is more likely (mean NLL) than its twin's replacement was at the fine-tuned point (an unseen "
        "value of the same format in the same context); 0 = off.",
    )
    refine_check: int = option(
        20, help="Refinement steps between looks at the held-out guard (and the monitor's target)."
    )
    batch_size: int = option(16, help="Sequences per batch for gradients and curvature products.")
    max_dense: int = option(5000, help="Largest scope (parameters) for which a dense matrix is allowed.")
    seed: int = seed_option("the curvature sample and random probes")

    def __post_init__(self) -> None:
        self._check_choices()
        if not isinstance(self.params, list) or not all(isinstance(p, str) for p in self.params):
            self._fail("params", "must be a list of glob patterns")
        if self.scope == "params" and not self.params:
            self._fail("params", "scope 'params' needs at least one pattern")
        self._check_choice("order", (1, 2))
        self._check_choice("curvature", ("ggn", "hessian", "fisher"))
        if not isinstance(self.solver, str) or not self.solver:
            self._fail("solver", "must be a registered solver name ('exact', 'cg', 'lissa', ...)")
        for name in ("tau", "damping"):
            if getattr(self, name) != "auto":
                self._check_range(name, 0.0)
        if self.l2 != "auto":
            self._check_range("l2", 0.0)
        for name in ("damping_scale", "heldout_tol", "min_decrease"):
            self._check_range(name, 0.0)
        self._check_range("alpha_max", 0.0, low_open=True)
        self._check_range("solver_tol", 0.0, 1.0, low_open=True)
        for name in (
            "curvature_samples",
            "twin_samples",
            "objective_samples",
            "head_samples",
            "max_iter",
            "max_products",
            "hutchinson_probes",
            "alpha_points",
            "damping_tries",
            "refine_check",
        ):
            self._check_range(name, 1)
            if not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_range("refine_lr", 0.0, low_open=True)
        self._check_range("refine_anchor", 0.0)
        self._check_range("refine_unlearn", 0.0)
        if self.max_rounds == 0 and self.refine_steps == 0:
            self._fail("max_rounds", "0 (no Newton step) needs refine_steps > 0, or nothing is updated")
        for name in ("fit_path", "pair_path", "refine_steps", "max_rounds"):
            self._check_range(name, 0)
            if not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_choice("step_rule", ("min", "largest"))
        self._check_choice("objective", ("sample", "corrected"))
        if self.target is not None:
            self._check_range("target")
        self._check_range("batch_size", 1)
        self._check_range("max_dense", 1)
