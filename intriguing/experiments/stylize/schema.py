"""The records of ``intriguing stylize``: one row per run, what it wrote where.

Every column is a key: a rerun that finds the folder written appends its own row (``written`` 0) beside the first
instead of repeating it, and only a line written twice is one record."""

from __future__ import annotations

from intriguing.records.schema import RecordSchema

SCHEMA = RecordSchema(
    "stylize",
    keys={"model": str, "target": str, "alpha": float, "written": int, "already_done": int, "unreadable": int},
)
