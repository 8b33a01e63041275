"""``intriguing stylize``'s pass: every content image styled by one seeded random painting, written to ``--target``
under the same relative path; images already written are skipped, so an interrupted run resumes.

This is the one loop over data that is not an engine pass: it evaluates no model and produces no records per
condition, it writes a data set (resume = the files already there; torchrun = one block of images per rank)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

import torch
import torchvision.transforms.functional as TF
from PIL import Image

from intriguing.data import IMG_EXTENSIONS, ImageSet
from intriguing.distributed import Context, gather, shard
from intriguing.engine.progress import counted
from intriguing.errors import UserError
from intriguing.experiments.stylize.adain import AdaIN, decoder, vgg_normalised
from intriguing.experiments.stylize.config import Config
from intriguing.seeding import derive_seed

RELEASE = "https://github.com/naoto0804/pytorch-AdaIN/releases (the files bethgelab/stylize-datasets uses)"
INDEX = "stylize_index.csv"


def load_adain(config: Config, device: torch.device) -> AdaIN:
    """The AdaIN networks from their weight files (strict, weights_only); missing files are one sentence."""
    from intriguing.zoo.weights import pretrained_dir, refused_object

    paths = {"vgg_normalised.pth": config.vgg, "decoder.pth": config.decoder}
    nets = {"vgg_normalised.pth": vgg_normalised(), "decoder.pth": decoder()}
    for name, net in nets.items():
        path = Path(paths[name] or pretrained_dir() / name)
        if not path.is_file():
            raise UserError(
                f"AdaIN weights {path} not found: download {name} from {RELEASE} into "
                f"{pretrained_dir()}/ (or pass --{'vgg' if name.startswith('vgg') else 'decoder'} PATH)."
            )
        try:
            net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
        except Exception as e:  # damaged, another file, or a pickled object (refused by weights_only, never run)
            refused = refused_object(e)
            why = (
                f"it holds a Python object that is never loaded ({refused})"
                if refused
                else str(e).strip().splitlines()[0]
                if str(e).strip()
                else type(e).__name__
            )
            raise UserError(
                f"{path} is not the AdaIN {name} release file ({why}); download {name} from {RELEASE}."
            ) from None
    return AdaIN(nets["vgg_normalised.pth"], nets["decoder.pth"]).eval().to(device)


def style_files(folder: str) -> list[Path]:
    root = Path(folder)
    if not root.is_dir():
        raise UserError(f"Style folder {root} does not exist; pass --style-path to a folder of paintings.")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMG_EXTENSIONS)
    if not files:
        raise UserError(f"Style folder {root} has no images ({', '.join(IMG_EXTENSIONS[:3])}, ...).")
    return files


def _read(path: Path, size: int, crop: bool) -> torch.Tensor:
    with Image.open(path) as im:
        img = im.convert("RGB")
    if size:
        img = TF.resize(img, size, antialias=True)
        if crop:
            img = TF.center_crop(img, [size, size])
    return TF.pil_to_tensor(img).float().div_(255)


def stylize(
    config: Config,
    images: ImageSet,
    device: torch.device,
    batch_size: int,
    progress: bool,
    dist: Context = Context(),
    net: Optional[AdaIN] = None,
) -> tuple[int, int, list[str]]:
    """Write every image not yet written; returns (written, skipped as done, unreadable paths), summed over
    torchrun ranks on rank 0. Under torchrun each rank styles its own contiguous block of the images (the painting
    of image i is seeded by i, so the output is the one process's) and rank 0 completes the index. ``net``: the
    AdaIN networks already loaded on ``device`` (loaded here when None)."""
    net = load_adain(config, device) if net is None else net
    styles = style_files(config.style_path)
    root, target = Path(images.root), Path(config.target)
    start, stop = shard(len(images.samples), dist)
    todo = [
        (i, Path(p))
        for i, (p, _) in enumerate(images.samples[start:stop], start)
        if not (target / Path(p).relative_to(root)).is_file()
    ]
    bad: list[str] = []
    step = batch_size if config.content_size else 1  # images of different sizes cannot share a batch
    target.mkdir(parents=True, exist_ok=True)
    firsts = range(0, len(todo), step)
    for first in counted(
        firsts, len(todo), lambda f: len(todo[f : f + step]), "stylize", "img", progress and dist.is_main
    ):
        chunk, contents, style_imgs = [], [], []
        for i, path in todo[first : first + step]:
            style = painting(config, styles, i)
            try:
                contents.append(_read(path, config.content_size, crop=True))
                style_imgs.append(_read(style, config.style_size, crop=False))
            except (OSError, ValueError, Image.DecompressionBombError) as e:
                bad.append(f"{path}: {type(e).__name__}")
                continue
            chunk.append(path)
        if not chunk:
            continue
        for path, out in zip(chunk, _forward(net, contents, style_imgs, config.alpha, device)):
            dest = target / path.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            _save(out, dest)
    counts = gather((len(todo) - len(bad), (stop - start) - len(todo), bad), dist)
    if not dist.is_main:
        return 0, 0, []
    complete_index(config, images, styles)
    return sum(c[0] for c in counts), sum(c[1] for c in counts), [b for c in counts for b in c[2]]


def painting(config: Config, styles: list[Path], i: int) -> Path:
    """The painting that styles content image i: seeded by (seed, i), so any process or rank picks the same."""
    return styles[derive_seed(config.seed, "style", i) % len(styles)]


def complete_index(config: Config, images: ImageSet, styles: list[Path]) -> Path:
    """Add to ``stylize_index.csv`` every written image it does not list yet (this run's, and those of an
    interrupted earlier run), with its painting; written by one process only."""
    root, target = Path(images.root), Path(config.target)
    index = target / INDEX
    listed = set()
    if index.is_file():
        with open(index, newline="") as f:
            listed = {row[0] for row in csv.reader(f) if row}
    with open(index, "a", newline="") as f:
        writer = csv.writer(f)
        for i, (p, _) in enumerate(images.samples):
            rel = str(Path(p).relative_to(root))
            if rel not in listed and (target / rel).is_file():
                writer.writerow([rel, str(painting(config, styles, i))])
    return index


def _forward(
    net: AdaIN, contents: list[torch.Tensor], styles: list[torch.Tensor], alpha: float, device: torch.device
) -> list[torch.Tensor]:
    """Styles differ in size, so each content's style statistics come from its own painting."""
    if len({tuple(c.shape) for c in contents}) == 1 and len({tuple(s.shape) for s in styles}) == 1:
        return list(net(torch.stack(contents).to(device), torch.stack(styles).to(device), alpha).cpu())
    return [net(c[None].to(device), s[None].to(device), alpha)[0].cpu() for c, s in zip(contents, styles)]


def _save(image: torch.Tensor, dest: Path) -> None:
    img = TF.to_pil_image(image)
    if dest.suffix.lower() in (".jpg", ".jpeg"):
        img.save(dest, quality=95)
    else:
        img.save(dest)


def summary(written: int, done: int, bad: list[str], config: Config) -> dict[str, object]:
    return {
        "model": "adain",
        "target": config.target,
        "alpha": config.alpha,
        "written": written,
        "already_done": done,
        "unreadable": len(bad),
    }


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    last: Optional[dict] = records[-1] if records else None
    if last is None:
        return ""
    return (
        f"stylized {last['written']} image(s) into {last['target']} ({last['already_done']} already there, "
        f"{last['unreadable']} unreadable); painting per image in {Path(str(last['target'])) / INDEX}"
    )
