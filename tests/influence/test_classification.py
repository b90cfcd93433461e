"""The closed-form label update: on a float64 convex softmax head it is the Newton step to the exact
retrained optimum (dense Hessian ground truth), and on a tiny GPT-2 classifier it returns a new model
whose head, and only its head, moves to the optimum of the corrected head problem."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from sanitize.influence.classification import (
    LabeledText,
    LabelUnlearnConfig,
    SequenceClassificationTask,
    closed_form_update,
    head_inputs,
    unlearn_labels,
)
from sanitize.influence.grads import Problem
from sanitize.influence.tasks import Features, HeadTask

N, D, C, L2 = 200, 5, 3, 0.05


def _toy() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(N, D, generator=gen, dtype=torch.float64)  # (N, D)
    w = torch.randn(D, C, generator=gen, dtype=torch.float64)
    y = torch.distributions.Categorical(logits=x @ w).sample()  # (N,)
    return x, y


def _optimum(x: torch.Tensor, y: torch.Tensor, n: int) -> torch.Tensor:
    """argmin (1/n) Σ CE + L2/2 ‖W‖² by dense Newton (the ground truth), W flat (C*D,)."""

    def obj(w: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x @ w.view(C, D).T, y, reduction="sum") / n + 0.5 * L2 * w.dot(w)

    w = torch.zeros(C * D, dtype=torch.float64)
    for _ in range(40):
        w = w - torch.linalg.solve(torch.func.hessian(obj)(w), torch.func.grad(obj)(w))
    return w


def _problem(w: torch.Tensor) -> Problem:
    head = nn.Linear(D, C, bias=False).double()
    with torch.no_grad():
        head.weight.copy_(w.view(C, D))
    return Problem(HeadTask("softmax"), head, ["weight"], batch_size=64)


@pytest.mark.parametrize("remove", [False, True])
def test_update_equals_exact_retraining_on_convex_toy(remove: bool) -> None:
    x, y = _toy()
    items = [Features(x[i : i + 1], y[i : i + 1]) for i in range(N)]
    theta0 = _optimum(x, y, N)
    flipped = list(range(12))  # 6% of the labels corrected
    y_new = y.clone()
    y_new[flipped] = (y[flipped] + 1) % C
    originals = [items[i] for i in flipped]
    replacements = [] if remove else [Features(x[i : i + 1], y_new[i : i + 1]) for i in flipped]
    retained = items[len(flipped) :]
    keep = slice(len(flipped), None)
    truth = _optimum(x[keep], y[keep], N) if remove else _optimum(x, y_new, N)  # normaliser n kept
    problem = _problem(theta0)
    one, metrics = closed_form_update(
        problem, originals, replacements, retained, N, LabelUnlearnConfig(solver="exact", l2=L2)
    )
    loop, _ = closed_form_update(
        problem, originals, replacements, retained, N, LabelUnlearnConfig(solver="cg", l2=L2, rounds=4)
    )
    moved = float((truth - theta0).norm())
    # one Newton step goes most of the way (second-order error)
    assert float((theta0 + one - truth).norm()) < 0.2 * moved
    assert torch.allclose(theta0 + loop, truth, atol=1e-9)  # the closed loop: the exact optimum
    assert metrics["solver_residual"][0] < 1e-10
    first, m1 = closed_form_update(
        problem, originals, replacements, retained, N, LabelUnlearnConfig(order=1, l2=L2)
    )
    assert float((theta0 + first - truth).norm()) < moved  # a first-order step goes the right way
    assert m1["tau"] > 0


def test_task_output_hvp_matches_autograd() -> None:
    task = SequenceClassificationTask(pad_id=0)
    batch = task.collate([LabeledText((3, 4, 5), 1), LabeledText((6, 7), 2)])
    assert batch.input_ids.tolist() == [[3, 4, 5], [6, 7, 0]] and batch.attention_mask[1].tolist() == [
        1,
        1,
        0,
    ]
    out = torch.randn(2, 3, dtype=torch.float64)
    u = torch.randn(2, 3, dtype=torch.float64)
    grad_fn = torch.func.grad(lambda o: task.loss(o, batch))
    assert torch.allclose(task.output_hvp(out, batch, u), torch.func.jvp(grad_fn, (out,), (u,))[1])


def _tiny_classifier() -> nn.Module:
    from transformers import AutoModelForSequenceClassification, GPT2Config

    cfg = GPT2Config(vocab_size=30, n_embd=16, n_layer=1, n_head=2, n_positions=16, num_labels=C,
                     pad_token_id=0, bos_token_id=None, eos_token_id=None)  # fmt: skip
    torch.manual_seed(0)
    return AutoModelForSequenceClassification.from_config(cfg, attn_implementation="eager").eval()


def test_unlearn_labels_moves_only_the_head_to_the_corrected_optimum() -> None:
    model = _tiny_classifier()
    gen = torch.Generator().manual_seed(1)
    data = [LabeledText(tuple(torch.randint(1, 30, (int(k),), generator=gen).tolist()), int(k) % C)
            for k in torch.randint(3, 9, (60,), generator=gen)]  # fmt: skip
    task = SequenceClassificationTask(0)
    feats = head_inputs(model, data, task)
    x = torch.cat([f.x for f in feats])
    y = torch.tensor([d.label for d in data])

    def obj(w: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x @ w.view(C, -1).T, labels, reduction="sum") / len(data) + 0.5 * L2 * w.dot(w)

    w = torch.zeros(C * x.shape[1], dtype=torch.float64)
    for _ in range(40):  # put the head at its optimum on the (poisoned) labels
        w = w - torch.linalg.solve(torch.func.hessian(obj)(w, y), torch.func.grad(obj)(w, y))
    with torch.no_grad():
        model.score.weight.copy_(w.view(C, -1).float())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    pairs = [(d, LabeledText(d.input_ids, (d.label + 1) % C)) for d in data[:6]]
    y_new = y.clone()
    y_new[:6] = (y[:6] + 1) % C
    truth = w.clone()
    for _ in range(40):
        truth = truth - torch.linalg.solve(
            torch.func.hessian(obj)(truth, y_new), torch.func.grad(obj)(truth, y_new)
        )
    cfg = LabelUnlearnConfig(scope="head", l2=L2, rounds=6, line_search=True)
    result = unlearn_labels(model, pairs, data[6:], cfg)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # input untouched
    new = result.model.state_dict()
    assert set(result.delta) == {"score.weight"}
    assert all(torch.equal(new[k], v) for k, v in before.items() if k != "score.weight")
    assert torch.allclose(new["score.weight"].double().view(-1), truth, atol=1e-5)
    # the same update over every weight (cg on the Gauss-Newton curvature) runs and moves the logits
    full = unlearn_labels(model, pairs, data[6:], LabelUnlearnConfig(scope="params", params=["*"], solver="cg",
                                                                      max_iter=5, damping=1e-2, l2=L2))  # fmt: skip
    assert len(full.delta) == len(list(model.parameters())) and full.metrics["update_norm"] > 0
