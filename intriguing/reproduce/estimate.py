"""``--dry-run``: each step's forward passes, and its time on the current device from a short measured forward.

Forward passes per image and model are counted from the step's options (conditions x runs; an attack step counts a
backward pass as two forwards; a Hessian-vector product as four). The time is that count times the seconds per image
of one forward of the model, measured here on a batch of random images at the model's input size (weights do not
change the speed, so a model whose weights are not reachable is timed at random init). Data loading, attack
bookkeeping and corruption rendering are not counted, so the times are lower bounds.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

N_CORRUPTIONS = 15


def _n(options: Mapping[str, Any], key: str, default: int) -> int:
    v = options.get(key)
    return len(v) if isinstance(v, (list, tuple)) else default


def forwards_per_image(experiment: str, o: Mapping[str, Any]) -> tuple[float, str]:
    """(forward passes per image and model, what was counted)."""
    runs = int(o.get("runs", 1) or 1)
    if experiment == "occlusion":
        n = len(set(o.get("ratios", [0] * 10))) * _n(o, "drop", 1) * runs
        return n + (1 if {"salient", "non-salient"} & set(o.get("drop", ())) else 0), "ratios x drops x runs"
    if experiment == "shuffle":
        return _n(o, "grids", 8) * runs, "grids x runs"
    if experiment == "feature-correlation":
        return (1 + _n(o, "ratios", 3)) * runs, "clean + ratios, x runs"
    if experiment == "lesion":
        return 1 + _n(o, "fractions", 3) * max(_n(o, "blocks", 5), _n(o, "stages", 5)) * runs, "1 + fractions x blocks"
    if experiment == "corruption":
        cs = o.get("corruptions", ["all"])
        n_c = N_CORRUPTIONS if "all" in cs else len(cs)
        sev = 5 if o.get("severities", ["1-5"]) == ["1-5"] else _n(o, "severities", 5)
        return 1 + n_c * sev * runs, "clean + corruptions x severities"
    if experiment == "segmentation":
        return float(_n(o, "tokens", 1)), f"tokens, at {int(o.get('input_size', 512))} px"
    if experiment == "freq-noise":
        return 1 + _n(o, "freqs", 11) * runs, "clean + bands x runs"
    if experiment == "adversarial":
        steps = int(o.get("steps", 10))
        per = {"fgsm": 3, "pgd": 3 * steps + 1}
        eps = max(1, _n(o, "eps", 5) - 1)
        return 1 + eps * sum(
            per.get(a, 3 * steps) for a in o.get("attacks", ["fgsm", "pgd"])
        ), "eps x attacks, backward = 2 forwards"
    if experiment == "patch":
        return _n(o, "areas", 3) * runs + 1, "areas x placements (+ the patch training, not counted)"
    if experiment == "landscape":
        dims, pts = int(o.get("dims", 2)), int(o.get("points", 21))
        return float(pts**dims * _n(o, "data", 2)), "grid points x data conditions, per image of the batch set"
    if experiment == "hessian":
        return float(
            4 * int(o.get("power_iters", 100))
        ), "at most --power-iters iterations x 4 (a Hessian-vector product; the tolerance usually stops earlier)"
    return 1.0, "one forward"


def images(experiment: str, o: Mapping[str, Any], data_path: str) -> Optional[int]:
    """Images a step reads: its --limit, the batch set of landscape / hessian, else the folder's count."""
    if experiment == "landscape":
        return int(o.get("batches", 4)) * int(o.get("batch_size", 64))
    if experiment == "hessian":
        return int(o.get("batches", 8)) * int(o.get("batch_size", 64))
    if o.get("limit"):
        return int(o["limit"])
    root = Path(data_path)
    if experiment == "segmentation":  # the images of the VOC split, not the masks beside them
        lists = list(root.rglob(f"ImageSets/Segmentation/{o.get('image_set', 'val')}.txt"))
        return sum(1 for line in lists[0].read_text().split() if line) if lists else None
    if not root.is_dir():
        return None
    exts = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
    return sum(1 for p in root.rglob("*") if p.suffix.lower() in exts) or None


def seconds_per_image(
    spec: str, device: Any, cache: dict[str, tuple[Optional[float], str, int]], size: Optional[int] = None
) -> tuple[Optional[float], str]:
    """Seconds per image of one forward of ``spec`` on ``device``, measured on 4 random images at its input size after
    a warm-up; at another ``size`` (segmentation) scaled by the token count, (size / own size)^2."""
    if spec not in cache:
        cache[spec] = _measure(spec, device)
    sec, how, own = cache[spec]
    if sec is None or size is None or size == own:
        return sec, how
    return sec * (size / own) ** 2, f"{how}, x (size / {own})^2"


def _measure(spec: str, device: Any) -> tuple[Optional[float], str, int]:
    import torch

    from intriguing.errors import UserError
    from intriguing.zoo import load_model

    name = spec.split("=", 1)[0]
    bundle, how = None, "measured"
    for candidate, note in ((spec, "measured"), (f"{name}=random", "measured at random init")):
        try:
            bundle, how = load_model(candidate, device=device), note
            break
        except (UserError, RuntimeError, OSError, KeyError, ValueError):
            continue
    if bundle is None:
        return None, "not timed: its architecture does not load here", 0
    shape = tuple(bundle.data_config["input_size"])
    x = torch.rand(4, *shape, device=device)
    with torch.inference_mode():
        bundle(x)
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        bundle(x)
        if device.type == "cuda":
            torch.cuda.synchronize()
    return (time.perf_counter() - t) / 4, how, int(shape[-1])


def fmt_seconds(s: Optional[float]) -> str:
    if s is None:
        return "unknown"
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"
