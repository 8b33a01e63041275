"""Command line of classify_metadataset.py: the shared parser, then the transfer analysis's own orchestration.

Transfer datasets are not ImageNet class folders, so, like segmentation, this runs its own short flow:
parse -> config -> device -> models (each loaded once, failures reported) -> RunDir -> run -> report.
Exit status as every entry script: 0 ok, 1 a model failed, 2 bad input, 130 interrupted (resumable).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict
from typing import List, Optional

from ..cli import common_parser, load_bundles
from ..errors import UserError

COMMON_IDENTITY = ("data_path", "limit", "seed", "runs", "paper_compat")


def main(argv: Optional[List[str]] = None) -> int:
    from . import transfer as tr
    try:
        parser = common_parser(tr.__doc__.splitlines()[0])
        tr.add_arguments(parser)
        args = parser.parse_args(argv)
        return _run(tr, args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _run(tr, args) -> int:
    import torch
    from vit_models import resolve_model_specs

    from ..device import resolve_device
    from ..engine import EngineOptions
    from ..records import RunDir

    if args.batch_size < 1 or args.runs < 1:
        raise UserError("--batch-size and --runs must be at least 1.")
    config = tr.make_config(args)
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)  # random-init models are reproducible (and cached under that seed)
    specs = resolve_model_specs(args.models)
    if not args.data_path and any(d != tr.IMAGENET for d in config.datasets):
        from .transfer_features import dataset_root
        dataset_root(None, next(d for d in config.datasets if d != tr.IMAGENET))  # raises: says what to pass
    out_dir = args.out_dir or os.path.join("results", f"transfer_{config.mode.replace('-', '_')}")
    common = {k: getattr(args, k) for k in ("models", "data_path", "limit", "seed", "runs", "paper_compat",
                                             "batch_size", "workers", "device", "precision")}
    run_dir = RunDir(out_dir, {**common, **asdict(config)}, identity=tr.config_identity(config) + list(COMMON_IDENTITY))
    print(f"transfer ({config.mode}): datasets {', '.join(config.datasets)}, {len(specs)} model(s), device {device}, "
          f"feature cache {config.cache_dir or 'off'}, results in {run_dir.path}")
    bundles, failed = load_bundles(specs, device)
    run_dir.write_manifest(analysis="transfer", device=str(device), mode=config.mode,
                           dataset={"names": list(config.datasets), "root": args.data_path, "limit": args.limit},
                           protocol="paper-compat: max test accuracy over epochs" if config.paper_compat else
                           "hyper-parameters and epoch chosen on a validation split of train; test evaluated once",
                           models={**run_dir.manifest["models"],
                                   **{b.name: {"source": b.source, "data_config": b.data_config} for b in bundles}})
    opts = EngineOptions(batch_size=args.batch_size, workers=args.workers, device=device, precision=args.precision,
                         metrics=tuple(m.strip() for m in args.metrics.split(",") if m.strip()),
                         progress=not args.no_progress)
    started = time.time()
    try:
        _, run_failed = tr.run(config, bundles, run_dir, opts, args.data_path, args.limit) if bundles else ([], {})
    except KeyboardInterrupt:
        run_dir.write_manifest(status="interrupted")
        print(f"\ninterrupted: progress saved in {run_dir.path}; rerun the same command to resume.", file=sys.stderr)
        return 130
    failed.update(run_failed)
    records = run_dir.records()
    if records:
        print(tr.report(records, run_dir.path, plot=not args.no_plot))
    run_dir.write_manifest(status="failed" if failed else "complete", failed_models=failed,
                           seconds=round(time.time() - started, 1), finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    for name, msg in failed.items():
        print(f"failed: {name}: {msg}", file=sys.stderr)
    return 1 if failed else 0
