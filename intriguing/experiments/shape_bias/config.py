"""Options of ``intriguing shape-bias``: the single home of their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.options import option

TASKS = ("auto", "shape-bias", "accuracy")


@dataclass
class Config:
    task: str = option(
        "auto",
        "shape-bias: cue-conflict stimuli (<shape><i>-<texture><j> file names); accuracy: "
        "16-class accuracy of any 16-category folder (silhouettes, edges); auto: read from "
        "the file names",
        choices=TASKS,
    )
