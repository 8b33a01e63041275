"""Regenerate every example number and figure the docs show, offline, from ../shared and the shipped models.

Each example runs the ordinary commands into ``results/docs-examples/<name>/``, copies its figures to
``docs/images/`` and writes ``docs/examples/<name>.md``: the commands and the summary they printed. A page shows an
example between ``<!-- example: NAME -->`` and ``<!-- /example -->``; ``--sync`` copies each snippet there, and
``tests/test_docs_examples.py`` fails when a page's copy differs from the snippet or a cheap example no longer
reproduces its snippet. Run it through ``docs/make_examples.sh`` (CPU, niced).

    python docs/make_examples.py [NAME ...]     # all examples, or these; then --sync
    python docs/make_examples.py --list         # the examples and what each makes
    python docs/make_examples.py --sync         # copy docs/examples/*.md into the pages' example regions
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
SNIPPETS = REPO / "docs" / "examples"
IMAGES = REPO / "docs" / "images"
SHARED = "../shared"  # as the commands are shown; the runs resolve it from the checkout (SHARED overrides)
VAL, VOC = f"{SHARED}/datasets/imagenette/val", f"{SHARED}/datasets/voc2012-samples"
TRAIN, CIFAR = f"{SHARED}/datasets/imagenette/train", f"{SHARED}/datasets/cifar10/test"
W = f"{SHARED}/weights/cifar10-resnet"
R20, R56 = f"cifar10_resnet20={W}/resnet20-12fca82f.th", f"cifar10_resnet56={W}/resnet56-4bfd9763.th"
EFF_DEIT = "efficientnet_lite0,deit_tiny_patch16_224=random"
REGION = re.compile(r"(<!-- example: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /example -->)", re.S)


@dataclass
class Example:
    """Commands (``intriguing ...`` or ``python ...``; ``{out}`` is the example's folder), figures to copy
    (file in ``{out}`` -> name in docs/images), and which commands' output the snippet keeps."""

    commands: list[str]
    figures: dict[str, str] = field(default_factory=dict)
    shown: Optional[list[int]] = None  # indices of the commands whose output goes into the snippet (default: all)
    cost: str = ""
    markdown: bool = False  # the output is Markdown (a table): shown as is, not as a text block


EXAMPLES: dict[str, Example] = {
    "segmentation": Example(
        [
            f"intriguing segmentation --models deit_tiny_patch16_224=random,deit_tiny_distilled_patch16_224=random "
            f"--tokens cls,dist --data-path {VOC} --out-dir {{out}}/default",
            f"intriguing segmentation --models deit_tiny_patch16_224=random,deit_tiny_distilled_patch16_224=random "
            f"--tokens cls,dist --data-path {VOC} --paper-compat --out-dir {{out}}/paper_compat",
        ],
        {"default/segmentation.png": "segmentation_jaccard_example.png"},
        cost="1.5 min",
    ),
    "results": Example(
        [
            f"intriguing occlusion --models {EFF_DEIT} --data-path {VAL} --limit 40 --runs 2 --per-image "
            f"--ratios 0 0.5 --out-dir {{out}}/a",
            "intriguing report {out}/a --per-class --no-plot",
            "cat {out}/a/summary.md",
        ],
        shown=[2],
        markdown=True,
        cost="2 min",
    ),
    # paired differences on the per-image records of "results" (run after it)
    "compare": Example(
        [
            "intriguing compare results/docs-examples/results/a --a ratio=0 --b ratio=0.5 "
            "--where model=efficientnet_lite0 run=0"
        ],
        cost="5 s",
    ),
    "occlusion": Example(
        [
            f"intriguing occlusion --models efficientnet_lite0 --data-path {VAL} --limit 60 --runs 2 "
            f"--drop random random-offset --out-dir {{out}}"
        ],
        {"occlusion.png": "occlusion.png"},
        cost="5 min",
    ),
    "shuffle": Example(
        [f"intriguing shuffle --models efficientnet_lite0 --data-path {VAL} --limit 60 --runs 2 --out-dir {{out}}"],
        {"shuffle.png": "shuffle.png"},
        cost="1.5 min",
    ),
    "salient": Example(
        [
            f"intriguing occlusion --models efficientnet_lite0 --data-path {VAL} --limit 64 "
            f"--drop random salient non-salient --saliency-model vit_small_patch16_224=random "
            f"--out-dir {{out}}"
        ],
        {"occlusion.png": "salient_patchdrop_example.png"},
        cost="7 min",
    ),
    "attention-figures": Example(
        [
            f"intriguing segmentation-figures --models deit_tiny_patch16_224=random "
            f"--data-path {VOC} --limit 1 --out-dir {{out}}"
        ],
        {"*/*_grid.png": "attention_grid_voc.png"},
        cost="20 s",
    ),
    "transfer": Example(
        [
            f"intriguing transfer --models efficientnet_lite0,efficientnet_lite0=random --dataset folder "
            f"--data-path {SHARED}/datasets/imagenette --limit 500 --runs 3 --out-dir {{out}}/linear",
            f"intriguing transfer --models efficientnet_lite0,efficientnet_lite0=random --dataset folder "
            f"--data-path {SHARED}/datasets/imagenette --limit 500 --mode fewshot --out-dir {{out}}/fewshot",
        ],
        {
            "linear/transfer_linear.png": "transfer_linear_example.png",
            "fewshot/transfer_fewshot.png": "transfer_fewshot_example.png",
        },
        cost="5 min",
    ),
    "freq-noise": Example(
        [
            f"intriguing freq-noise --models {R20},{R56} --data-path {CIFAR} --limit 500 "
            f"--noise-space normalized --eps 0.7 --metrics topk,calibration --out-dir {{out}}"
        ],
        {"freq_noise.png": "freq_noise_cifar_resnets.png", "reliability.png": "reliability_freq_noise.png"},
        cost="1.5 min",
    ),
    "lesion": Example(
        [f"intriguing lesion --models {EFF_DEIT} --data-path {VAL} --limit 64 --runs 2 --out-dir {{out}}"],
        {"lesion.png": "lesion_example.png"},
        cost="7 min",
    ),
    "feature-correlation": Example(
        [f"intriguing feature-correlation --models {EFF_DEIT} --data-path {VAL} --limit 64 --out-dir {{out}}"],
        {"feature_correlation.png": "feature_correlation_example.png"},
        cost="1 min",
    ),
    "per-block": Example(
        [
            f"intriguing per-block --models {EFF_DEIT} --data-path {VAL} --limit 64 --ratios 0.25 0.5 "
            f"--grids 2x2 4x4 --out-dir {{out}}"
        ],
        {"per_block.png": "per_block_example.png"},
        cost="1 min",
    ),
    "shape-bias": Example(
        [
            f"intriguing shape-bias --models {EFF_DEIT} --data-path "
            f"{SHARED}/datasets/cue-conflict/cue-conflict --out-dir {{out}}"
        ],
        {"shape_bias.png": "shape_bias_example.png"},
        cost="4 min",
    ),
    "patch": Example(
        [
            f"intriguing patch --models {EFF_DEIT} --train-path {TRAIN} --data-path {VAL} --limit 16 "
            f"--steps 20 --train-batch 8 --runs 2 --transfer --samples 3 --device cpu --out-dir {{out}}"
        ],
        {"patch_transfer.png": "patch_transfer_example.png", "patches.png": "patches_example.png"},
        cost="3.5 min",
    ),
    "adversarial": Example(
        [
            f"intriguing adversarial --models {EFF_DEIT} --data-path {VAL} --limit 32 "
            f"--attacks fgsm pgd --eps 0 1 2 4 --transfer --pictures 4 --device cpu --out-dir {{out}}"
        ],
        {
            "robust_*.png": "adversarial_example.png",
            "perturbations.png": "perturbations_example.png",
            "transfer.png": "adversarial_transfer_example.png",
        },
        cost="8 min",
    ),
    "fourier": Example(
        [
            f"intriguing fourier --models {R56},deit_tiny_d6_p8_64_imagenette --data-path {CIFAR} "
            f"--limit 500 --out-dir {{out}}"
        ],
        {
            "fourier_curves.png": "fourier_curves.png",
            "fourier_high_freq.png": "fourier_high_freq.png",
            "feature_variance.png": "feature_variance.png",
        },
        cost="40 s",
    ),
    "landscape": Example(
        [
            f"intriguing landscape --models {R20},{R56} --data-path {CIFAR} --points 11 --batches 1 "
            f"--batch-size 128 --out-dir {{out}}"
        ],
        {"landscape_contour.png": "landscape_example.png"},
        cost="6 min",
    ),
    "factors": Example(
        [
            f"intriguing occlusion --models efficientnet_lite0 --data-path {VAL} "
            f"--ratios 0 0.1 0.25 --per-image --metrics topk,real --out-dir {{out}}",
            "intriguing factors {out} --min-images 15",
        ],
        {"factors.png": "factors_example.png"},
        cost="20 min",
    ),
    "validate": Example(
        [
            f"python docs/make_shift_set.py {VAL} {{out}}/shift --per-class 10",
            "intriguing validate --models efficientnet_lite0,deit_tiny_d6_p8_64_imagenette,"
            "resnet18_half_64_imagenette --sets val={out}/shift/val "
            "imagenet-c={out}/shift/imagenet-c --metrics topk,calibration --out-dir {out}/run",
        ],
        {"run/validate.png": "validate_example.png"},
        cost="35 s",
    ),
    # docs/reproduce.md's excerpts: one table of each paper's quick offline report
    "reproduce-naseer": Example(
        [
            f"intriguing reproduce naseer2021 --models offline --map resnet50=efficientnet_lite0 --quick "
            f"--data-root {SHARED} --steps occlusion --out-dir {{out}}",
            'python docs/report_table.py {out}/report.md "Fig. 3 (Sec. 3.1 text)"',
        ],
        shown=[1],
        markdown=True,
        cost="15 s",
    ),
    "reproduce-park": Example(
        [
            f"intriguing reproduce park2022 --models offline --quick --data-root {SHARED} --steps fourier "
            f"--out-dir {{out}}",
            'python docs/report_table.py {out}/report.md "Fig. 2a / 8 (Fourier)"',
        ],
        {"fourier/fourier_high_freq.png": "reproduce_park_fourier.png"},
        shown=[1],
        markdown=True,
        cost="15 s",
    ),
    "corruption": Example(
        [f"intriguing corruption --models {R20},{R56} --data-path {CIFAR} --limit 100 --out-dir {{out}}"],
        {"corruption_errors.png": "corruption_errors_cifar.png"},
        cost="1.5 min",
    ),
    "hessian": Example(
        [
            f"intriguing hessian --models {R20},{R56} --data-path {CIFAR} --batches 8 --batch-size 32 "
            f"--measures spectrum density --slq-vectors 1 --lanczos-steps 20 --power-iters 30 "
            f"--out-dir {{out}}"
        ],
        {"hessian_max_eigenvalue.png": "hessian_example.png", "hessian_density.png": "hessian_density_example.png"},
        cost="14 min",
    ),
    "reference-training": Example(
        ["python recipes/curves.py {out}/reference_training.png"],
        {"reference_training.png": "reference_training.png"},
        cost="5 s (needs the training records of `intriguing train --config recipes/NAME.yaml`)",
    ),
    "contrasts": Example(
        ["bash recipes/contrasts.sh {out}"],
        {"occlusion/occlusion.png": "reference_patchdrop.png", "shuffle/shuffle.png": "reference_shuffle.png"},
        shown=[],
        cost="31 min",
    ),
    # the table of those runs (run after "contrasts")
    "contrasts-table": Example(
        ["python recipes/contrasts_table.py results/docs-examples/contrasts"], markdown=True, cost="5 s"
    ),
}

# figures the docs show that no example makes, and why
NOT_REGENERATED: dict[str, str] = {}
CHEAP = ["segmentation", "validate", "reproduce-park"]  # rerun by tests/test_docs_examples.py (about 1 min of CPU)
# examples defined but not run yet (no snippet): the test skips them, naming the command that makes them
PENDING: tuple[str, ...] = ()


def _argv(command: str, out: Path, shared: str) -> list[str]:
    words = [w.replace("{out}", str(out)) for w in shlex.split(command)]
    words = [w.replace(SHARED, shared) if SHARED in w else w for w in words]
    if words[0] == "intriguing":
        from intriguing.cli.main import TOOLS

        quiet = [] if words[1] in TOOLS else ["--no-progress"]  # the tools draw no progress bars
        return [sys.executable, "-m", "intriguing"] + words[1:] + quiet
    if words[0] == "python":
        return [sys.executable] + words[1:]
    return words


def _shown_output(text: str, out: Path, shared: str) -> str:
    """A command's stdout as the docs show it: lines naming the scratch folder dropped, the data folder as the
    command was shown, trailing blanks trimmed."""
    keep = [ln.rstrip().replace(shared, SHARED) for ln in text.splitlines() if str(out) not in ln]
    return "\n".join(keep).strip("\n")


def snippet(name: str, outputs: list[str]) -> str:
    ex = EXAMPLES[name]
    shown = range(len(ex.commands)) if ex.shown is None else ex.shown
    lines = [f"<!-- generated by docs/make_examples.sh {name}: do not edit -->", "```bash"]
    lines += [c.replace("{out}", f"results/docs-examples/{name}") for c in ex.commands]
    lines += ["```"]
    for i in shown:
        if outputs[i]:
            lines += ["", outputs[i], ""] if ex.markdown else ["```text", outputs[i], "```"]
    return "\n".join(lines) + "\n"


def run(name: str, root: Path, shared: str = SHARED, copy_figures: bool = True) -> str:
    """Run example ``name`` into ``root/name``; returns its snippet (and copies its figures into docs/images)."""
    ex, out = EXAMPLES[name], root / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    outputs = []
    env = {**os.environ, "SHARED": shared, "PYTHON": sys.executable}
    for command in ex.commands:
        done = subprocess.run(_argv(command, out, shared), cwd=REPO, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"{name}: `{command}` exit {done.returncode}:\n{done.stderr[-2000:]}")
        outputs.append(_shown_output(done.stdout, out, shared))
    if copy_figures:
        for pattern, target in ex.figures.items():
            found = sorted(out.glob(pattern))
            if not found:
                raise RuntimeError(f"{name}: made no {pattern}")
            shutil.copyfile(found[0], IMAGES / target)
    return snippet(name, outputs)


def _snippet_or(name: str, body: str) -> str:
    """The committed snippet of ``name``, or ``body`` unchanged when it has none yet (the test names it)."""
    path = SNIPPETS / f"{name}.md"
    return path.read_text() if path.is_file() else body


def sync(pages: list[Path]) -> list[Path]:
    """Copy each snippet into the example regions of ``pages``; returns the pages changed."""
    changed = []
    for page in pages:
        text = page.read_text()
        new = REGION.sub(lambda m: m.group(1) + _snippet_or(m.group("name"), m.group("body")) + m.group(4), text)
        if new != text:
            page.write_text(new)
            changed.append(page)
    return changed


def doc_pages() -> list[Path]:
    return [REPO / "README.md"] + sorted((REPO / "docs").rglob("*.md"))


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="examples to run (default: all)")
    p.add_argument("--list", action="store_true")
    p.add_argument("--sync", action="store_true", help="only copy the snippets into the pages")
    p.add_argument("--root", default=str(REPO / "results" / "docs-examples"))
    args = p.parse_args(argv)
    if args.list:
        print("wall time as measured on a 2-core CPU shared with other jobs (2026-12-07):")
        for name, ex in EXAMPLES.items():
            print(f"{name:20s} {ex.cost:10s} -> {', '.join(ex.figures.values()) or 'numbers only'}")
        return 0
    unknown = [n for n in args.names if n not in EXAMPLES]
    if unknown:
        print(f"unknown example(s) {unknown}; --list names them", file=sys.stderr)
        return 2
    SNIPPETS.mkdir(exist_ok=True)
    failed = []
    for name in [] if args.sync else args.names or list(EXAMPLES):
        start = time.time()
        try:
            (SNIPPETS / f"{name}.md").write_text(run(name, Path(args.root), os.environ.get("SHARED", SHARED)))
            print(f"{name}: {time.time() - start:.0f} s", flush=True)
        except RuntimeError as e:
            failed.append(name)
            print(f"FAILED {e}", file=sys.stderr, flush=True)
    for page in sync(doc_pages()):
        print(f"synced {page.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
