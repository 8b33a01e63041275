"""The shape-bias sweep's condition: the task (the stimuli set) scored."""

from __future__ import annotations

from dataclasses import dataclass

from intriguing.engine.conditions import Condition


@dataclass(frozen=True)
class Task(Condition):
    """A record's ``task`` (e.g. cue-conflict)."""

    task: str
