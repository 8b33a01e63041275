"""The one parser every entry script shares, and the run orchestration behind it.

Common options: --models, --data-path, --limit, --batch-size, --workers, --device, --precision,
--seed, --runs, --out-dir, --metrics, --paper-compat. Each analysis adds its own.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import asdict
from typing import List, Optional, Sequence

from intriguing.errors import UserError

DEFAULT_MODELS = "deit_small_patch16_224,resnet50"  # the paper's DeiT-S vs ResNet-50 pair


def common_parser(description: str, default_models: str = DEFAULT_MODELS) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    g = p.add_argument_group("common")
    g.add_argument("--models", default=default_models,
                   help="comma list of model names or wildcards; NAME=PATH|URL|random picks the weights")
    g.add_argument("--data-path", default=os.environ.get("DATA_PATH") or None,
                   help="folder of class sub-folders (ImageNet wnids score 1000-way); default: Imagenette val in data/")
    g.add_argument("--limit", type=int, default=None, help="evaluate N evenly spaced images (quick runs)")
    g.add_argument("--batch-size", type=int, default=64)
    g.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), help="data-loading processes")
    g.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    g.add_argument("--precision", default="auto", choices=["auto", "amp", "fp32"],
                   help="auto/amp: mixed precision on GPU (fp32 on CPU)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--runs", type=int, default=1, help="repeat random conditions N times (the paper used 5)")
    g.add_argument("--out-dir", default=None, help="results folder (default results/<analysis>); rerun to resume")
    g.add_argument("--metrics", default="topk", help="comma list of metric accumulators (topk always)")
    g.add_argument("--paper-compat", action="store_true",
                   help="reproduce the original code's protocol exactly (see README)")
    g.add_argument("--no-progress", action="store_true", help="hide progress bars")
    g.add_argument("--no-plot", action="store_true", help="skip drawing plots")
    return p


COMMON_IDENTITY = ["data_path", "limit", "seed", "runs", "metrics", "paper_compat"]


def load_image_folder(args, config=None):
    """The default data of an analysis: an ImageNet-style folder (or Imagenette val), and its manifest entry."""
    from intriguing.data import imagenette_val, limit_samples, scan_folder
    images = limit_samples(scan_folder(args.data_path or imagenette_val()), args.limit)
    return images, {"root": images.root, "images": len(images), "classes": len(images.classes),
                    "label_space": images.label_space}


def _check_labels(bundle, images) -> None:
    n = getattr(bundle.model, "num_classes", None)
    if n is not None and n != images.num_classes:
        raise UserError(f"Model {bundle.name} predicts {n} classes but {images.root} is scored "
                        f"{images.num_classes}-way ({images.label_space}).")


def load_bundles(specs: Sequence[str], device, prepare=None, images=None):
    """Load each model once; a model that cannot be loaded is reported and the rest still run."""
    from intriguing.zoo import load_model
    bundles, failed = [], {}
    for spec in specs:
        try:
            b = load_model(spec, device=device)
            if images is not None:
                _check_labels(b, images)
            bundles.append(prepare(b) if prepare else b)
        except UserError as e:
            failed[spec] = str(e)
            print(f"error: {e}", file=sys.stderr)
    return bundles, failed


def main(analysis_name: str, argv: Optional[List[str]] = None) -> int:
    """Parse, load data and models, run the analysis, write records/manifest/summary/plots.

    Exit status: 0 all good, 1 some model failed, 2 bad input, 130 interrupted (resumable).

    Optional hooks of an analysis module: ``PARSER_DEFAULTS`` (dict), ``expand_models(str) -> str``
    (presets), ``load_data(args, config) -> (data, manifest entry)`` (default: an ImageNet-style
    folder), ``USES_LABELS = False`` (skip the class-count check), ``out_name(config)``,
    ``config_identity(config)`` (keys that must match to resume), ``manifest_extras(config)``.
    """
    from intriguing.experiments import get_analysis
    try:
        mod = get_analysis(analysis_name)
        parser = common_parser(mod.__doc__.splitlines()[0], getattr(mod, "DEFAULT_MODELS", DEFAULT_MODELS))
        parser.set_defaults(**getattr(mod, "PARSER_DEFAULTS", {}))
        mod.add_arguments(parser)
        args = parser.parse_args(argv)
        return _run(mod, analysis_name, args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _run(mod, analysis_name: str, args) -> int:
    import torch

    from intriguing.zoo import resolve_model_specs

    from intriguing.device import resolve_device
    from intriguing.engine.core import EngineOptions
    from intriguing.records import RunDir

    if args.batch_size < 1 or args.runs < 1:
        raise UserError("--batch-size and --runs must be at least 1.")
    from intriguing.data import ImageSet

    config = mod.make_config(args)
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)  # random-init models are reproducible
    specs = resolve_model_specs(mod.expand_models(args.models) if hasattr(mod, "expand_models") else args.models)
    data, dataset = (mod.load_data if hasattr(mod, "load_data") else load_image_folder)(args, config)
    out_dir = args.out_dir or os.path.join("results", mod.out_name(config) if hasattr(mod, "out_name")
                                           else analysis_name)
    common = {k: getattr(args, k) for k in ("models", "data_path", "limit", "seed", "runs", "metrics",
                                             "paper_compat", "batch_size", "workers", "device", "precision")}
    identity = (mod.config_identity(config) if hasattr(mod, "config_identity") else list(asdict(config)))
    run_dir = RunDir(out_dir, {**common, **asdict(config)}, identity=identity + COMMON_IDENTITY)
    print(f"{analysis_name}: {', '.join(f'{k} {v}' for k, v in dataset.items())}; "
          f"{len(specs)} model(s), device {device}, results in {run_dir.path}")
    prepare = (lambda b: mod.prepare_bundle(config, b)) if hasattr(mod, "prepare_bundle") else None
    # analyses that never compare predictions with labels (Fourier) may mix label spaces
    check = data if isinstance(data, ImageSet) and getattr(mod, "USES_LABELS", True) else None
    bundles, failed = load_bundles(specs, device, prepare, check)
    run_dir.write_manifest(analysis=analysis_name, device=str(device), dataset=dataset,
                           models={**run_dir.manifest["models"],
                                   **{b.name: {"source": b.source, "data_config": b.data_config} for b in bundles}},
                           **(mod.manifest_extras(config) if hasattr(mod, "manifest_extras") else {}))
    opts = EngineOptions(batch_size=args.batch_size, workers=args.workers, device=device, precision=args.precision,
                         metrics=tuple(m.strip() for m in args.metrics.split(",") if m.strip()),
                         progress=not args.no_progress)
    started = time.time()
    try:
        _, run_failed = mod.run(config, bundles, data, run_dir, opts) if bundles else ([], {})
    except KeyboardInterrupt:
        run_dir.write_manifest(status="interrupted")
        print(f"\ninterrupted: progress saved in {run_dir.path}; rerun the same command to resume.", file=sys.stderr)
        return 130
    failed.update(run_failed)
    records = run_dir.records()
    if records:
        print(mod.report(records, run_dir.path, plot=not args.no_plot))
    skipped = run_dir.manifest.get("skipped_images", [])
    if skipped:
        print(f"warning: {len(skipped)} unreadable image(s) were not scored (listed in manifest.json), e.g. "
              f"{skipped[0]}", file=sys.stderr)
    run_dir.write_manifest(status="failed" if failed else "complete", failed_models=failed,
                           seconds=round(time.time() - started, 1), finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    for name, msg in failed.items():
        print(f"failed: {name}: {msg}", file=sys.stderr)
    return 1 if failed else 0
