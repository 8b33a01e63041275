"""``--paper-compat`` preprocessing: a model evaluated through the original code's pipeline (bilinear resize to
256, 224-px centre crop: :data:`intriguing.data.PAPER_GEOMETRY`) whatever its own timm data config says.
Shared by the commands whose original evaluated every model that way (occlusion, shuffle)."""

from __future__ import annotations

from intriguing.data.folders import PAPER_GEOMETRY
from intriguing.errors import UserError
from intriguing.zoo.bundle import ModelBundle


def paper_preprocessing(bundle: ModelBundle) -> ModelBundle:
    """The bundle with the original preprocessing; a model that takes another input size only is refused."""
    size, crop_pct, interp, mode = PAPER_GEOMETRY
    pe = getattr(bundle.model, "patch_embed", None)
    if pe is not None and getattr(pe, "strict_img_size", False) and tuple(pe.img_size) != tuple(size[1:]):
        raise UserError(
            f"--paper-compat evaluates every model at {size[1]} px (the original protocol), but "
            f"{bundle.name} takes {tuple(pe.img_size)} px input only."
        )
    bundle.data_config.update(input_size=size, crop_pct=crop_pct, interpolation=interp, crop_mode=mode)
    return bundle
