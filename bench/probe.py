"""Benchmark of the linear probe: training from the feature cache vs. re-running the backbone every epoch.

The original classify_metadataset.py decoded every image and ran the frozen backbone again in every
epoch. Here features are extracted once (cached, fp16) and each epoch only touches the cache. Prints
measured times (nothing is asserted):

  extract once   one pass: decode + backbone over the training images, written to the cache
  cache load     reading those features back (what every later probe pays)
  probe/epoch    one epoch of linear-layer training from cached features
  naive/epoch    one epoch the original way: decode + backbone forward + linear-layer step

    python bench/probe.py --model efficientnet_lite0 --images 256 --epochs 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Subset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intriguing.device import resolve_device  # noqa: E402
from intriguing.experiments.transfer.cache import CacheKey, cached_features  # noqa: E402
from intriguing.experiments.transfer.datasets import get_dataset  # noqa: E402
from intriguing.experiments.transfer.probe import ProbeConfig, _train  # noqa: E402
from intriguing.experiments.transfer.views import build_view  # noqa: E402
from intriguing.features.heads import is_vit  # noqa: E402
from intriguing.zoo import load_model  # noqa: E402

# the plain (images, labels) loop over a backbone, the tests' reference too: the command extracts in an engine pass
from tests.transfer_reference import extract_features  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "imagenette"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="efficientnet_lite0")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="folder with train/<class>/ images")
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=3, help="epochs timed on the naive path (it is slow)")
    ap.add_argument("--probe-epochs", type=int, default=50, help="epochs timed on the cached path")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()

    device = resolve_device(args.device)
    bundle = load_model(args.model, device=device)
    tf, desc = build_view(bundle.geometry)
    full = get_dataset("folder").load(args.data, "train", transform=tf)
    ds = Subset(full, torch.linspace(0, len(full) - 1, args.images).round().long().tolist())
    loader = DataLoader(ds, batch_size=args.batch_size, num_workers=args.workers, shuffle=False)
    prep = lambda x: bundle.normalize(x.float().div_(255))  # noqa: E731
    blocks = "last4" if is_vit(bundle.model) else None
    cfg = ProbeConfig(batch_size=args.batch_size)
    print(
        f"model {bundle.name}, {len(ds)} images from {args.data}, device {device}, "
        f"torch threads {torch.get_num_threads()}"
    )

    with tempfile.TemporaryDirectory() as cache:
        key = CacheKey(model=bundle.name, dataset="bench", split="train", blocks=str(blocks), preprocess=desc)
        t = time.perf_counter()
        fs, hit = cached_features(
            key, cache, lambda: extract_features(bundle.model, loader, blocks, device=device, preprocess=prep)
        )
        sync(device)
        t_extract = time.perf_counter() - t
        t = time.perf_counter()
        fs, hit2 = cached_features(key, cache, lambda: None)
        t_load = time.perf_counter() - t
        assert not hit and hit2
    x, y = fs.select(), fs.labels
    t = time.perf_counter()
    _train([x], y, int(y.max()) + 1, 1e-3, 1e-4, args.probe_epochs, cfg, device)
    sync(device)
    t_probe = (time.perf_counter() - t) / args.probe_epochs

    # the original's loop: every epoch decodes every image and runs the frozen backbone again
    head = nn.Linear(x.shape[1], int(y.max()) + 1).to(device)
    opt = torch.optim.AdamW(head.parameters(), lr=5e-4, weight_decay=0.05)
    t = time.perf_counter()
    for _ in range(args.epochs):
        for images, labels in loader:
            with torch.no_grad():
                feats = (
                    extract_features(bundle.model, [(images, labels)], blocks, device=device, preprocess=prep)
                    .select()
                    .to(device)
                )
            loss = nn.functional.cross_entropy(head(feats), labels.to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
    sync(device)
    t_naive = (time.perf_counter() - t) / args.epochs

    print(
        f"extract once   {t_extract:8.2f} s   ({fs.tokens.numel() * 2 / 2**20:.1f} MiB fp16 cache, "
        f"feature dim {x.shape[1]})"
    )
    print(f"cache load     {t_load:8.3f} s")
    print(f"probe/epoch    {t_probe * 1000:8.2f} ms  (from cache, mean of {args.probe_epochs} epochs)")
    print(f"naive/epoch    {t_naive:8.2f} s   (re-running the backbone, mean of {args.epochs} epochs)")
    print(
        f"per-epoch speed-up from the cache: {t_naive / t_probe:,.0f}x; a {args.probe_epochs}-epoch probe: "
        f"{t_extract + t_probe * args.probe_epochs:.1f} s with the cache vs {t_naive * args.probe_epochs:.1f} s "
        f"naive"
    )


if __name__ == "__main__":
    main()
