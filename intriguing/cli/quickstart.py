"""``intriguing quickstart``: the paper's main job offline, in one command and about a minute on 2 CPU cores.

PatchDrop (random patches dropped at ratios 0 to 0.9) on the shipped reference pair, a ViT and a CNN trained here
on Imagenette (:mod:`intriguing.zoo.reference`), over the 200 real ImageNet val images that ship with the package
(``intriguing/samples/imagenette``); it is ``intriguing occlusion`` with those models and that folder, so every
occlusion option passes through (``--runs 5``, ``--drop random salient non-salient``, ``--out-dir``, ...).
"""

from __future__ import annotations

from pathlib import Path

from intriguing.errors import UserError

PAIR = ("deit_tiny_d6_p8_64_imagenette", "resnet18_half_64_imagenette")
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "imagenette"


def arguments(argv: list[str]) -> list[str]:
    """The occlusion command line: the pair and the sample unless the user names others."""
    from intriguing.zoo import ZOO

    missing = [m for m in PAIR if m not in ZOO]
    if missing:
        raise UserError(
            f"The reference model {missing[0]} is not in this installation (intriguing/zoo/reference/"
            f"index.json lacks it): reinstall the package."
        )
    if not SAMPLES.is_dir():
        raise UserError(f"The packaged sample images are missing ({SAMPLES}): reinstall the package.")
    flags = {a.split("=", 1)[0] for a in argv}
    defaults = [("--models", ",".join(PAIR)), ("--data-path", str(SAMPLES)), ("--out-dir", "results/quickstart")]
    return [v for flag, value in defaults if flag not in flags for v in (flag, value)] + list(argv)


def usage() -> str:
    """What ``intriguing quickstart --help`` prints (the command itself runs in :mod:`intriguing.cli.main`, which
    imports this module: running occlusion from here would import it back)."""
    return (
        __doc__.strip().splitlines()[0].replace("``", "`")
        + "\n\n"
        + " ".join(__doc__.strip().split("\n\n", 1)[1].split())
        + "\n\nusage: intriguing quickstart [occlusion options]"
    )
