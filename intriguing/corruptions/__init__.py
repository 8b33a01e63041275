"""ImageNet-C corruptions: generated on the fly (imagecorruptions, patched for today's libraries),
read from ImageNet-C / CIFAR-10-C folders, and scored as mCE / relative mCE against AlexNet."""

from __future__ import annotations

from intriguing.corruptions.mce import ALEXNET_CLEAN_ERROR, ALEXNET_ERRORS, corruption_errors, mce
from intriguing.corruptions.onthefly import (
    CATEGORY,
    CORRUPTIONS,
    SEVERITIES,
    corrupt_batch,
    corrupt_batch_seeded,
    parse_corruptions,
    parse_severities,
)

__all__ = [
    "ALEXNET_CLEAN_ERROR",
    "ALEXNET_ERRORS",
    "CATEGORY",
    "CORRUPTIONS",
    "SEVERITIES",
    "corrupt_batch",
    "corrupt_batch_seeded",
    "corruption_errors",
    "mce",
    "parse_corruptions",
    "parse_severities",
]
