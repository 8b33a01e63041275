"""Few-shot: seeded episode sampler invariants, classifiers, and the 95% confidence interval."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from intriguing.errors import UserError
from intriguing.experiments.transfer.fewshot import (
    CLASSIFIERS,
    episode_accuracies,
    logistic_regression,
    mean_ci95,
    nearest_centroid,
    sample_episodes,
)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(3, 12), min_size=5, max_size=9),
    st.integers(1, 5),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(0, 1000),
)
def test_episode_sampler_invariants(class_sizes, ways, shots, queries, seed):
    labels = torch.cat([torch.full((n,), c) for c, n in enumerate(class_sizes)])[torch.randperm(sum(class_sizes))]
    eligible = {c for c, n in enumerate(class_sizes) if n >= shots + queries}
    if len(eligible) < ways:
        with pytest.raises(UserError, match="classes with at least"):
            sample_episodes(labels, ways, shots, queries, 5, seed)
        return
    ep = sample_episodes(labels, ways, shots, queries, 7, seed)
    assert ep.support.shape == (7, ways * shots) and ep.query.shape == (7, ways * queries)
    for e in range(7):
        classes = ep.classes[e].tolist()
        assert len(set(classes)) == ways and set(classes) <= eligible
        s, q = ep.support[e].tolist(), ep.query[e].tolist()
        assert len(set(s) | set(q)) == len(s) + len(q)  # support and query disjoint, no repeats
        # episode-local label k is the k-th drawn class
        assert labels[ep.support[e]].tolist() == [classes[k] for k in ep.support_labels().tolist()]
        assert labels[ep.query[e]].tolist() == [classes[k] for k in ep.query_labels().tolist()]
    again = sample_episodes(labels, ways, shots, queries, 7, seed)
    assert torch.equal(again.support, ep.support) and torch.equal(again.query, ep.query)


def test_episodes_differ_with_seed_and_cover_classes():
    labels = torch.arange(20).repeat_interleave(10)
    a, b = sample_episodes(labels, 5, 1, 5, 200, 0), sample_episodes(labels, 5, 1, 5, 200, 1)
    assert not torch.equal(a.support, b.support)
    assert set(a.classes.flatten().tolist()) == set(range(20))


def test_nearest_centroid_matches_hand_computation():
    g = torch.Generator().manual_seed(0)
    s, q = torch.randn(3, 6, 8, generator=g), torch.randn(3, 4, 8, generator=g)
    sy = torch.tensor([0, 0, 1, 1, 2, 2])
    pred = nearest_centroid(s, sy, q, 3)
    for e in range(3):
        sn = F.normalize(s[e], dim=-1)
        protos = torch.stack([sn[sy == k].mean(0) for k in range(3)])
        sims = F.normalize(q[e], dim=-1) @ F.normalize(protos, dim=-1).T
        assert pred[e].tolist() == sims.argmax(1).tolist()


def test_logreg_kernel_form_equals_primal_solution():
    g = torch.Generator().manual_seed(0)
    s, q = torch.randn(2, 10, 32, generator=g), torch.randn(2, 30, 32, generator=g)
    sy = torch.arange(5).repeat_interleave(2)
    pred = logistic_regression(s, sy, q, 5, max_iter=200)
    sn, qn = F.normalize(s, dim=-1), F.normalize(q, dim=-1)
    w = torch.zeros(2, 32, 5, requires_grad=True)
    b = torch.zeros(2, 1, 5, requires_grad=True)
    opt = torch.optim.LBFGS(
        [w, b], max_iter=500, line_search_fn="strong_wolfe", tolerance_grad=1e-9, tolerance_change=1e-12
    )

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy((torch.bmm(sn, w) + b).reshape(-1, 5), sy.repeat(2), reduction="sum")
        loss = loss + (w**2).sum() / 2
        loss.backward()
        return loss

    opt.step(closure)
    primal = (torch.bmm(qn, w) + b).argmax(-1)
    assert (primal == pred).float().mean() >= 0.98


@pytest.mark.parametrize("name", ["centroid", "logreg"])
def test_classifiers_are_perfect_on_separated_classes(name):
    g = torch.Generator().manual_seed(0)
    means = torch.randn(10, 64, generator=g)
    labels = torch.arange(10).repeat_interleave(12)
    feats = means[labels] + 0.05 * torch.randn(120, 64, generator=g)
    ep = sample_episodes(labels, 5, 1, 5, 50, seed=3)
    accs = episode_accuracies(feats, ep, name)
    assert accs.shape == (50,) and accs.min() == 100.0


def test_chance_on_random_features():
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(10).repeat_interleave(30)
    feats = torch.randn(300, 64, generator=g)
    mean, ci = mean_ci95(episode_accuracies(feats, sample_episodes(labels, 5, 5, 15, 300, 0), "centroid"))
    assert abs(mean - 20.0) < 3 * ci + 1.0 and ci > 0


def test_mean_ci95_formula():
    v = torch.tensor([60.0, 70.0, 80.0, 90.0])
    mean, ci = mean_ci95(v)
    std = math.sqrt(sum((x - 75.0) ** 2 for x in v.tolist()) / 3)
    assert mean == 75.0 and ci == pytest.approx(1.96 * std / 2)
    assert mean_ci95(torch.tensor([50.0])) == (50.0, 0.0)


def test_unknown_classifier():
    assert set(CLASSIFIERS.names()) == {"centroid", "logreg"}
    with pytest.raises(UserError, match="Did you mean logreg"):
        episode_accuracies(torch.randn(10, 4), sample_episodes(torch.arange(10) % 2, 2, 1, 1, 1), "logre")
