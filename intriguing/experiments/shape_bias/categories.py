"""The 16 entry-level categories of Geirhos et al. and the decision rule that maps 1000 ImageNet outputs onto them.

Data, not code, from the authors' published mapping: the category list and each category's ImageNet-1k class
indices are those of ``code/helper/human_categories.py`` (``get_human_object_recognition_categories`` and the
``<category>_indices`` lists) in rgeirhos/texture-vs-shape (Geirhos et al., ICLR 2019), identical in
bethgelab/model-vs-human's ``modelvshuman/helper/human_categories.py``. Not every ImageNet class belongs to a
category (e.g. 'tabby cat' 281 does, 'tiger' 292 does not); the other 793 are ignored (207 classes in all).

The rule (``code/probabilities_to_decision.py`` there, ``ImageNetProbabilitiesTo16ClassesMapping`` in
model-vs-human's ``datasets/decision_mappings.py``, fed by ``model.softmax(logits)`` in its
``model_evaluator.py``): softmax over the 1000 logits, then the **mean** of the probabilities of each category's
classes (``aggregation_function=np.mean``), then the category with the largest mean. Ties go to the first category
in alphabetical order, as texture-vs-shape's strict ``>`` loop does (model-vs-human's ``np.flip(np.argsort(.))``
would return the last of the tied ones; ties need exactly equal means, e.g. a uniform output).
"""
from __future__ import annotations

from typing import Dict, Tuple

import torch

from intriguing.device import constant

CATEGORIES: Tuple[str, ...] = ("airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat", "chair",
                               "clock", "dog", "elephant", "keyboard", "knife", "oven", "truck")

IMAGENET_INDICES: Dict[str, Tuple[int, ...]] = {
    "airplane": (404,),
    "bear": (294, 295, 296, 297),
    "bicycle": (444, 671),
    "bird": (8, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 23, 24, 80, 81, 82, 83, 87, 88, 89, 90, 91, 92, 93, 94,
             95, 96, 98, 99, 100, 127, 128, 129, 130, 131, 132, 133, 135, 136, 137, 138, 139, 140, 141, 142, 143,
             144, 145),
    "boat": (472, 554, 625, 814, 914),
    "bottle": (440, 720, 737, 898, 899, 901, 907),
    "car": (436, 511, 817),
    "cat": (281, 282, 283, 284, 285, 286),
    "chair": (423, 559, 765, 857),
    "clock": (409, 530, 892),
    "dog": (152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172,
            173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 193, 194,
            195, 196, 197, 198, 199, 200, 201, 202, 203, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216,
            217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238,
            239, 240, 241, 243, 244, 245, 246, 247, 248, 249, 250, 252, 253, 254, 255, 256, 257, 259, 261, 262, 263,
            265, 266, 267, 268),
    "elephant": (385, 386),
    "keyboard": (508, 878),
    "knife": (499,),
    "oven": (766,),
    "truck": (555, 569, 656, 675, 717, 734, 864, 867),
}


def category_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """(B, 1000) ImageNet logits -> (B, 16) mean softmax probability of each category's classes (CATEGORIES order)."""
    if logits.shape[-1] != 1000:
        raise ValueError(f"the 16-category decision needs 1000 ImageNet outputs; this model gives {logits.shape[-1]}")
    probs = torch.softmax(logits.float(), dim=-1)
    index = {c: constant(IMAGENET_INDICES[c], logits.device, torch.long) for c in CATEGORIES}  # built once
    return torch.stack([probs.index_select(-1, index[c]).mean(-1) for c in CATEGORIES], dim=-1)


def decide(logits: torch.Tensor) -> torch.Tensor:
    """(B,) index into CATEGORIES of each image's 16-class decision (ties: the first category)."""
    return category_probabilities(logits).argmax(dim=-1)  # torch.argmax returns the first maximal index
