"""The papers' models as roles, and which model of the zoo plays each role (``--models paper|offline``, ``--map``).

A role is the paper's model (``deit_small``: the paper's DeiT-S). ``--models paper`` plays each role with the paper's
own checkpoint or timm model (downloaded when online); ``--models offline`` with what works on a machine without a
network: EfficientNet-Lite0 (real ImageNet weights) and the reference models trained in this repository. A role may
have several stand-ins (both offline CNNs stand in for ResNet50), or none (no offline model was trained on Stylized
ImageNet): its rows are then "not run". ``--map ROLE=SPEC[+SPEC],...`` replaces entries (``ROLE=`` plays nobody).
Every report row says which model stood in for which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from intriguing.errors import UserError, did_you_mean

# Geirhos et al.'s ResNet50 trained on SIN (model_A), as rgeirhos/texture-vs-shape's models/load_pretrained_models.py
# downloads it
GEIRHOS_SIN = (
    "https://bitbucket.org/robert_geirhos/texture-vs-shape-pretrained-models/raw/"
    "6f41d2e86fc60566f78de64ecff35cc61eb6436f/resnet50_train_60_epochs-c8e5653e.pth.tar"
)


@dataclass(frozen=True)
class Role:
    """One of the papers' models: its name in the paper, the zoo spec that is it, and its kind."""

    label: str
    paper: Optional[str]  # zoo spec of the paper's own model; None: the zoo has no way to load it
    kind: str  # vit | cnn | distilled | sin | random | saliency | release
    note: str = ""


ROLES: dict[str, Role] = {
    "deit_tiny": Role("DeiT-T", "deit_tiny_patch16_224", "vit"),
    "deit_small": Role("DeiT-S", "deit_small_patch16_224", "vit"),
    "deit_base": Role("DeiT-B", "deit_base_patch16_224", "vit"),
    "vit_large": Role("ViT-L", "vit_large_patch16_224", "vit", "timm's current ViT-L/16 weights"),
    "vit_tiny": Role("ViT-Ti (Park & Kim's 'ViT')", "vit_tiny_patch16_224", "vit"),
    "t2t_vit_24": Role("T2T-24", "t2t_vit_24", "vit"),
    "tnt_s": Role("TnT-S", "tnt_s_patch16_224", "vit"),
    "resnet50": Role("ResNet50", "resnet50.tv_in1k", "cnn", "torchvision's weights"),
    "resnet50_sin": Role(
        "ResNet50-SIN",
        f"resnet50.tv_in1k={GEIRHOS_SIN}",
        "sin",
        "Geirhos et al.'s model_A (texture-vs-shape release URL; untested offline)",
    ),
    "resnet50_augmix": Role("ResNet50 (AugMix)", None, "cnn", "no AugMix ResNet50 checkpoint in the zoo"),
    "deit_t_sin": Role("DeiT-T-SIN", "deit_t_sin", "sin"),
    "deit_s_sin": Role("DeiT-S-SIN", "deit_s_sin", "sin"),
    "deit_t_sin_dist": Role("DeiT-T-SIN (distilled)", "deit_t_sin_dist", "distilled"),
    "deit_s_sin_dist": Role("DeiT-S-SIN (distilled)", "deit_s_sin_dist", "distilled"),
    "deit_tiny_random": Role("DeiT-T-Random", "deit_tiny_patch16_224=random", "random"),
    "deit_small_random": Role("DeiT-S-Random", "deit_small_patch16_224=random", "random"),
    "dino": Role("DINO ViT-S/16 (saliency)", "vit_small_patch16_224.dino", "saliency"),
    "no_pos_deit_t": Role("DeiT-T, no pos. enc.", "no_pos_deit_t", "release"),
    "patch_22_deit_t": Role("DeiT-T, patch 22", "patch_22_deit_t", "release"),
    "patch_28_deit_t": Role("DeiT-T, patch 28", "patch_28_deit_t", "release"),
    "patch_32_deit_t": Role("DeiT-T, patch 32", "patch_32_deit_t", "release"),
    "patch_38_deit_t": Role("DeiT-T, patch 38", "patch_38_deit_t", "release"),
}

# The reference models trained in this repository (registered in the zoo under these names; the first registered
# name of each tuple is used, so a renamed model is still found).
REF_VIT = ("deit_tiny_d6_p8_64_imagenette",)
REF_CNN = ("resnet18_64_imagenette", "resnet18_half_64_imagenette")
REF_DISTILLED = ("deit_tiny_distilled_d6_p8_64_imagenette",)
LITE0 = "efficientnet_lite0"

# role kind -> offline stand-ins (tuples: candidates for one stand-in). SIN-trained and released variants have none:
# no model trained here saw Stylized ImageNet or those patch sizes.
OFFLINE_BY_KIND: dict[str, tuple[tuple[str, ...], ...]] = {
    "vit": (REF_VIT,),
    "cnn": (REF_CNN, (LITE0,)),
    "distilled": (REF_DISTILLED,),
    "random": (REF_VIT,),
    "saliency": (REF_VIT,),
    "sin": (),
    "release": (),
}


def _registered(candidates: Sequence[str]) -> str:
    """The first candidate registered in the zoo (else the first: loading it then fails with the zoo's sentence)."""
    from intriguing.zoo import ZOO

    return next((c for c in candidates if c in ZOO), candidates[0])


def offline_specs(role: str) -> list[str]:
    r = ROLES[role]
    specs = [_registered(c) for c in OFFLINE_BY_KIND[r.kind]]
    return [s + "=random" for s in specs] if r.kind == "random" else specs


def parse_map(text: str) -> dict[str, list[str]]:
    """``ROLE=SPEC[+SPEC],ROLE2=SPEC`` -> {role: [specs]}; a role may be named by its paper spec too."""
    aliases = {r.paper: k for k, r in ROLES.items() if r.paper}
    out: dict[str, list[str]] = {}
    for item in (i.strip() for i in text.split(",") if i.strip()):
        key, sep, value = item.partition("=")
        key = aliases.get(key.strip(), key.strip())
        if not sep or key not in ROLES:
            raise UserError(
                f"--map takes ROLE=MODEL items (roles: {', '.join(ROLES)}); got {item!r}."
                + (did_you_mean(key, list(ROLES)) if sep else "")
            )
        out[key] = [s.strip() for s in value.split("+") if s.strip()]
    return out


def resolve(mode: str, mapping: str = "") -> dict[str, list[str]]:
    """role -> the zoo specs that play it. ``mode``: paper, offline, or map (only the roles ``mapping`` names)."""
    if mode not in ("paper", "offline", "map"):
        raise UserError(f"--models takes paper or offline; got {mode!r}.")
    if mode == "paper":
        base = {k: [r.paper] if r.paper else [] for k, r in ROLES.items()}
    elif mode == "offline":
        base = {k: offline_specs(k) for k in ROLES}
    else:
        base = {k: [] for k in ROLES}
    base.update(parse_map(mapping))
    return base


def record_name(spec: str) -> str:
    """The ``model`` column a spec's records carry: the spec itself for random init, else its name."""
    name, _, source = spec.partition("=")
    return spec if source == "random" else name


def is_paper_model(role: str, spec: str) -> bool:
    return ROLES[role].paper == spec
