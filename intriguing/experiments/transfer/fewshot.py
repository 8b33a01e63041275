"""Few-shot evaluation on cached features: seeded N-way K-shot episodes, two classifiers, mean ± 95% CI.

Episodes: ``ways`` classes drawn without replacement among classes with at least ``shots + queries``
images, then ``shots`` support and ``queries`` query images per class, disjoint. Episode-local labels
are 0..ways-1 in the drawn class order. All episodes come from one ``torch.Generator(seed)``.

Classifiers work on L2-normalised features, all episodes of a chunk at once:
``centroid`` = nearest class mean by cosine similarity; ``logreg`` = multinomial logistic regression
with an L2 penalty of strength 1/C (sklearn's convention, C = 1 as in RFS), fitted by L-BFGS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from intriguing.errors import UserError
from intriguing.options import check_declared, option
from intriguing.registry import Registry


@dataclass
class FewShotConfig:
    """Single home of the few-shot defaults (5-way 1- and 5-shot, 15 queries, 600 episodes)."""

    ways: int = option(5, "classes per episode", within="[1, inf)")
    shots: tuple[int, ...] = option((1, 5), "labelled images per class (one score per value)", within="[1, inf)")
    queries: int = option(15, "query images per class", within="[1, inf)")
    episodes: int = option(600, "episodes per score", within="[1, inf)")
    classifiers: tuple[str, ...] = option(("centroid", "logreg"), "centroid logreg")
    split: str = "test"  # episodes are drawn from this split's features

    def __post_init__(self) -> None:
        check_declared(self)
        for c in self.classifiers:
            CLASSIFIERS.get(c)


@dataclass
class Episodes:
    """Index tensors into the feature set: support [E, ways*shots], query [E, ways*queries], classes [E, ways]."""

    support: torch.Tensor
    query: torch.Tensor
    classes: torch.Tensor
    ways: int
    shots: int
    queries: int

    def support_labels(self) -> torch.Tensor:
        return torch.arange(self.ways).repeat_interleave(self.shots)

    def query_labels(self) -> torch.Tensor:
        return torch.arange(self.ways).repeat_interleave(self.queries)


def sample_episodes(
    labels: torch.Tensor, ways: int = 5, shots: int = 1, queries: int = 15, episodes: int = 600, seed: int = 0
) -> Episodes:
    """Draw ``episodes`` N-way K-shot episodes from ``labels`` with a seeded generator."""
    if min(ways, shots, queries, episodes) < 1:
        raise UserError("ways, shots, queries and episodes must all be at least 1.")
    labels = labels.long().cpu()
    per_class = {c: torch.nonzero(labels == c).flatten() for c in torch.unique(labels).tolist()}
    eligible = [c for c, idx in per_class.items() if len(idx) >= shots + queries]
    if len(eligible) < ways:
        raise UserError(
            f"{ways}-way {shots}-shot with {queries} queries needs {ways} classes with at least "
            f"{shots + queries} images; only {len(eligible)} have that many. Lower --ways/--queries."
        )
    gen = torch.Generator().manual_seed(seed)
    eligible_t = torch.tensor(eligible)
    sup, qry, cls = [], [], []
    for _ in range(episodes):
        chosen = eligible_t[torch.randperm(len(eligible_t), generator=gen)[:ways]]
        s_rows, q_rows = [], []
        for c in chosen.tolist():
            idx = per_class[c][torch.randperm(len(per_class[c]), generator=gen)[: shots + queries]]
            s_rows.append(idx[:shots])
            q_rows.append(idx[shots:])
        sup.append(torch.cat(s_rows))
        qry.append(torch.cat(q_rows))
        cls.append(chosen)
    return Episodes(torch.stack(sup), torch.stack(qry), torch.stack(cls), ways, shots, queries)


# classifier(support_x [E,S,F], support_y [S], query_x [E,Q,F], ways) -> predictions [E,Q]
Classifier = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, int], torch.Tensor]
CLASSIFIERS: Registry[Classifier] = Registry("few-shot classifier")


@CLASSIFIERS.register("centroid")
def nearest_centroid(support: torch.Tensor, support_y: torch.Tensor, query: torch.Tensor, ways: int) -> torch.Tensor:
    """Cosine nearest class mean (prototypes of the L2-normalised support features)."""
    s, q = F.normalize(support, dim=-1), F.normalize(query, dim=-1)
    onehot = F.one_hot(support_y, ways).to(s.dtype)  # [S, ways]
    protos = F.normalize(torch.einsum("esf,sw->ewf", s, onehot), dim=-1)
    return torch.einsum("eqf,ewf->eqw", q, protos).argmax(-1)


@CLASSIFIERS.register("logreg")
def logistic_regression(
    support: torch.Tensor, support_y: torch.Tensor, query: torch.Tensor, ways: int, C: float = 1.0, max_iter: int = 100
) -> torch.Tensor:
    """L2-penalised multinomial logistic regression per episode: sum CE + ||W||^2 / (2C), by L-BFGS.

    By the representer theorem the optimal W lies in the span of the support features, W = S^T A, so
    the fit runs on the [S, S] Gram matrix (exact, and far smaller than [F, ways] when S << F).
    Episodes are independent, so minimising the sum of their objectives fits every episode at once.
    """
    s, q = F.normalize(support.float(), dim=-1), F.normalize(query.float(), dim=-1)
    E, n_sup, _ = s.shape
    gram = torch.bmm(s, s.transpose(1, 2))  # [E, S, S]
    a = torch.zeros(E, n_sup, ways, requires_grad=True)
    b = torch.zeros(E, 1, ways, requires_grad=True)
    target = support_y.repeat(E)
    opt = torch.optim.LBFGS(
        [a, b], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe", tolerance_grad=1e-7, tolerance_change=1e-10
    )

    def closure():
        opt.zero_grad()
        ka = torch.bmm(gram, a)
        loss = F.cross_entropy((ka + b).reshape(-1, ways), target, reduction="sum") + (a * ka).sum() / (2 * C)
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    with torch.no_grad():
        return (torch.bmm(torch.bmm(q, s.transpose(1, 2)), a) + b).argmax(-1)


def mean_ci95(values: torch.Tensor) -> tuple[float, float]:
    """(mean, 1.96 * std / sqrt(n)) with the sample std (ddof=1); 0 half-width for a single value."""
    v = values.double().flatten()
    if v.numel() < 2:
        return float(v.mean()), 0.0
    return float(v.mean()), float(1.96 * v.std(unbiased=True) / v.numel() ** 0.5)


def episode_accuracies(
    features: torch.Tensor, episodes: Episodes, classifier: str | Classifier, chunk: int = 100
) -> torch.Tensor:
    """Per-episode query accuracy in percent, [E]."""
    clf = CLASSIFIERS.get(classifier) if isinstance(classifier, str) else classifier
    feats = features.float()
    sy, qy = episodes.support_labels(), episodes.query_labels()
    accs = []
    for i in range(0, len(episodes.support), chunk):
        s = feats[episodes.support[i : i + chunk]]
        q = feats[episodes.query[i : i + chunk]]
        pred = clf(s, sy, q, episodes.ways)
        accs.append(100.0 * (pred == qy).float().mean(dim=1))
    return torch.cat(accs)
