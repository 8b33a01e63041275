"""Options of ``intriguing validate``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.options import option


@dataclass
class Config:
    sets: tuple[str, ...] = option(
        (),
        "data sets as NAME=PATH (or bare PATHs); the name picks the labels: "
        "imagenet-a / imagenet-r (200 classes), imagenet-v2 (folders 0..999), "
        "imagenet-c (<corruption>/<severity>/ folders), anything else wnid "
        "folders (val, sketch, stylized); default: --data-path as one set",
        metavar="NAME=PATH",
    )
