"""Run folders (records CSV, manifest, partial state, per-image outcomes: :mod:`.rundir`, :mod:`.store`,
:mod:`.per_image`, :mod:`.partial`, :mod:`.lock`), what a records file holds (:mod:`.schema`) and their summaries
(:mod:`.summary`, :mod:`.stats`)."""

from intriguing.records.per_image import read as read_per_image
from intriguing.records.rundir import (
    MANIFEST,
    PARTIAL,
    RECORDS,
    RunDir,
    git_commit,
    read_manifest,
    read_records,
    versions,
)
from intriguing.records.schema import RecordIndex, RecordSchema
from intriguing.records.summary import format_table, summarize

__all__ = [
    "MANIFEST",
    "PARTIAL",
    "RECORDS",
    "RecordIndex",
    "RecordSchema",
    "RunDir",
    "git_commit",
    "read_manifest",
    "read_per_image",
    "read_records",
    "versions",
    "format_table",
    "summarize",
]
