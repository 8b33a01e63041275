"""Evaluation data: image folders (:mod:`.folders`) and the decode-once multi-view loader (:mod:`.views`)."""

from intriguing.data.batch import Batch
from intriguing.data.folders import (
    IMG_EXTENSIONS,
    INTERPOLATIONS,
    PAPER_GEOMETRY,
    ImageSet,
    default_data_root,
    evenly_spaced,
    imagenet_wnids,
    imagenette_val,
    limit_samples,
    scan_folder,
)
from intriguing.data.views import MultiViewDataset, collate, eval_transform, make_loader

__all__ = [
    "IMG_EXTENSIONS",
    "INTERPOLATIONS",
    "PAPER_GEOMETRY",
    "ImageSet",
    "default_data_root",
    "evenly_spaced",
    "imagenet_wnids",
    "imagenette_val",
    "limit_samples",
    "scan_folder",
    "Batch",
    "MultiViewDataset",
    "collate",
    "eval_transform",
    "make_loader",
]
