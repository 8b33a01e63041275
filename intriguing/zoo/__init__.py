"""The model zoo: any timm model by name or wildcard, the paper's checkpoints, and
EfficientNet-Lite0 with packaged ImageNet weights.

    from intriguing.zoo import load_model
    bundle = load_model("deit_small_patch16_224")      # timm / HF cache / download
    bundle = load_model("deit_t_sin")                  # the paper's release (pretrained/ or URL)
    bundle = load_model("deit_tiny_patch16_224=random")  # random init
    logits = bundle(images_in_0_1)                     # normalises with the model's own statistics
"""

from __future__ import annotations

from intriguing.zoo import cifar_resnet, efficientnet_lite, paper, reference, t2t_vit
from intriguing.zoo.bundle import ZOO, ModelBundle, ZooEntry
from intriguing.zoo.loader import all_names, load_model, parse_spec, resolve_model_specs

paper.register()
t2t_vit.register()
efficientnet_lite.register()
reference.register()
for _entry in cifar_resnet.zoo_entries():
    ZOO.register(_entry.name, _entry)

__all__ = ["ZOO", "ModelBundle", "ZooEntry", "load_model", "resolve_model_specs", "parse_spec", "all_names"]
