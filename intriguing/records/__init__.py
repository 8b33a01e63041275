"""Run folders (records CSV, manifest, partial state: :mod:`.rundir`) and their summaries (:mod:`.summary`)."""
from intriguing.records.rundir import (MANIFEST, PARTIAL, RECORDS, RunDir, git_commit, read_manifest, read_records,
                                       versions)
from intriguing.records.summary import format_table, summarize

__all__ = ["MANIFEST", "PARTIAL", "RECORDS", "RunDir", "git_commit", "read_manifest", "read_records", "versions",
           "format_table", "summarize"]
