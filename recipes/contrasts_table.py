"""The table of the paper's contrasts measured on the reference models, beside the paper's ImageNet numbers
(docs/reference-models.md).

    python recipes/contrasts_table.py [OUT]

(OUT: what recipes/contrasts.sh wrote; default results/reference/contrasts)

Every measured number is read from the records of the ordinary commands (mean over runs, 95% CI over images where
the command gives one); every published number from ``intriguing/published/naseer2021.yaml`` (cited there).
"""

from __future__ import annotations

import sys
from pathlib import Path
from statistics import mean
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from intriguing.records import read_records  # noqa: E402
from intriguing.reproduce.published import load  # noqa: E402

VIT, CNN, DIST = (
    "deit_tiny_d6_p8_64_imagenette",
    "resnet18_half_64_imagenette",
    "deit_tiny_distilled_d6_p8_64_imagenette",
)


def value(rows: list[dict], column: str = "top1", **match) -> Optional[float]:
    hits = [float(r[column]) for r in rows if all(str(r.get(k)) == str(v) for k, v in match.items())]
    return mean(hits) if hits else None


def published(entry_id: str, model: str, **cond) -> Optional[float]:
    for v in load("naseer2021").entries[entry_id].values:
        if v.model == model and all(str(v.condition.get(k)) == str(c) for k, c in cond.items()):
            return v.value
    return None


def fmt(x: Optional[float], digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def jaccard(rows: list[dict], model: str, token: str = "cls") -> Optional[float]:
    vals = [100 * float(r["jaccard"]) for r in rows if r["model"] == model and r.get("token") == token]
    return mean(vals) if vals else None


def table(out: Path) -> str:
    occ = read_records(out / "occlusion")
    shuf = read_records(out / "shuffle")
    seg = read_records(out / "segmentation")
    corr = read_records(out / "feature_correlation")
    les_v, les_c = read_records(out / "lesion_vit"), read_records(out / "lesion_cnn")
    adv = read_records(out / "adversarial")
    rows = [("| contrast | ViT (ours) | CNN (ours) | paper, ImageNet (ViT / CNN) | source |"), "|---|---|---|---|---|"]
    for ratio in (0.0, 0.5, 0.8):
        rows.append(
            f"| random PatchDrop {int(ratio * 100)}%: top-1 | "
            f"{fmt(value(occ, model=VIT, condition='random', ratio=ratio))} | "
            f"{fmt(value(occ, model=CNN, condition='random', ratio=ratio))} | "
            + ("70 (DeiT-S) / 0.1 (ResNet50)" if ratio == 0.5 else "–")
            + " | Sec. 3.1 text |"
        )
    rows.append(
        f"| salient / non-salient PatchDrop 50% (ViT's attention): top-1 | "
        f"{fmt(value(occ, model=VIT, condition='salient', ratio=0.5))} / "
        f"{fmt(value(occ, model=VIT, condition='non-salient', ratio=0.5))} | "
        f"{fmt(value(occ, model=CNN, condition='salient', ratio=0.5))} / "
        f"{fmt(value(occ, model=CNN, condition='non-salient', ratio=0.5))} | "
        f"DeiT-B {fmt(published('fig27_caption', 'deit_base', condition='salient', ratio=0.5))} / "
        f"{fmt(published('fig27_caption', 'deit_base', condition='non-salient', ratio=0.5))} (caption's "
        f"labels, see reproduce) | Fig. 27 caption |"
    )
    for grid in ("2x2", "4x4", "8x8"):
        rows.append(
            f"| patch shuffle {grid}: top-1 | {fmt(value(shuf, model=VIT, grid=grid))} | "
            f"{fmt(value(shuf, model=CNN, grid=grid))} | (figure only) | Fig. 10 |"
        )
    rows.append(
        f"| attention segmentation, VOC samples (Jaccard %, trained / random init) | "
        f"{fmt(jaccard(seg, VIT))} / {fmt(jaccard(seg, VIT + '=random'))} | n/a | "
        f"DeiT-T {fmt(published('table4_jaccard', 'deit_tiny'))} / "
        f"{fmt(published('table4_jaccard', 'deit_tiny_random'))} | Table 4 |"
    )
    for ratio in (0.25, 0.5, 0.75):
        vit = value(
            corr,
            "corr",
            model=VIT,
            ratio=ratio,
            feature="cls",
            block=max(int(r["block"]) for r in corr if r["model"] == VIT),
        )
        cnn = value(
            corr,
            "corr",
            model=CNN,
            ratio=ratio,
            feature="pooled",
            block=max(int(r["block"]) for r in corr if r["model"] == CNN),
        )
        rows.append(
            f"| clean-vs-occluded final feature correlation, PatchDrop {int(ratio * 100)}% | {fmt(vit, 2)} | "
            f"{fmt(cnn, 2)} | DeiT-B {fmt(published('table1', 'deit_base', ratio=ratio), 2)} / ResNet50 "
            f"{fmt(published('table1', 'resnet50', ratio=ratio), 2)} | Table 1 |"
        )
    for frac in (0.25, 0.5, 0.75):
        vit = [value(les_v, model=VIT, block=b, fraction=frac) for b in range(6)]
        cnn = [value(les_c, model=CNN, fraction=frac, block=s) for s in range(1, 5)]
        rows.append(
            f"| lesion {int(frac * 100)}% of features zeroed: top-1, min–max over blocks / stages | "
            f"{fmt(min(v for v in vit if v is not None))}–{fmt(max(v for v in vit if v is not None))} | "
            f"{fmt(min(v for v in cnn if v is not None))}–{fmt(max(v for v in cnn if v is not None))} | "
            f"Tables 6–7 (ViT-L, DeiT-B vs ResNet50) | Appendix C |"
        )
    blocks = read_records(out / "per_block")
    clean = [value(blocks, model=VIT, condition="clean", block=b) for b in range(6)]
    half = [value(blocks, model=VIT, condition="random", ratio=0.5, block=b) for b in range(6)]
    rows.append(
        "| per-block class token (ViT), top-1 by block 1–6: clean / PatchDrop 50% | "
        + " ".join(fmt(c, 0) for c in clean)
        + " / "
        + " ".join(fmt(h, 0) for h in half)
        + " | n/a | (figure only) | the per-block figure of Sec. 3 |"
    )
    for eps in (1, 4):
        rows.append(
            f"| PGD-10 L-inf eps {eps}/255: robust top-1 | {fmt(value(adv, model=VIT, eps=float(eps)))} | "
            f"{fmt(value(adv, model=CNN, eps=float(eps)))} | (figure only) | Fig. 13 |"
        )
    return "\n".join(rows)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "results" / "reference" / "contrasts"
    print(table(out))


if __name__ == "__main__":
    main()
