"""Record schemas (issue 26): each experiment declares its key and metric columns; the store keys and refuses by
them, resume looks planned keys up in an index, ``intriguing report`` groups by them. The columns every command
writes are read from the golden records (``tests/golden``), which ``test_records_golden.py`` holds equal to what the
commands write now."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from golden import make_golden
from intriguing.cli import main, run_command
from intriguing.errors import UserError
from intriguing.experiments import EXPERIMENTS, get_experiment
from intriguing.experiments.base import Experiment, check_experiment
from intriguing.experiments.occlusion import sweep as occlusion
from intriguing.records import RecordIndex, RecordSchema, RunDir, read_manifest, read_records, store

ADVERSARIAL = get_experiment("adversarial").schema
# key columns no golden case writes: they exist only under an option those cases do not use
OPTION_ONLY = {
    "adversarial": {"source", "view"},  # --transfer
    "transfer": {"block", "measure"},
}  # --mode per-block


def _attack(run: int, success: float, l2: float, top1: float) -> dict:
    return {
        "model": "vit",
        "weights": "w",
        "attack": "pgd",
        "norm": "linf",
        "eps": 8.0,
        "eps_px": 0.03137255,
        "steps": 10,
        "run": run,
        "clean_top1": 50.0,
        "success": success,
        "linf_255": 8.0,
        "l2": l2,
        "n": 10,
        "top1": top1,
        "top5": 90.0,
    }


def test_two_copies_of_one_measurement_count_once_whatever_metrics_they_carry(tmp_path, caplog):
    """success, l2, linf_255 and clean_top1 were in no global metric list, so they keyed an adversarial record: a
    second process's copy of it (last digits differ on a GPU) counted as a second record, and a table averaged
    both. The schema makes them metrics: the copy is dropped (with a warning) and the repair keeps the first."""
    path = tmp_path / "records.csv"
    store.append(path, [_attack(0, 40.0, 1.2345, 30.0)], ADVERSARIAL)
    store.append(path, [_attack(0, 40.000001, 1.2345001, 30.0), _attack(1, 20.0, 1.5, 35.0)], ADVERSARIAL)
    rows = read_records(tmp_path, ADVERSARIAL)
    assert [(r["run"], r["success"]) for r in rows] == [(0, 40.0), (1, 20.0)]
    assert "1 repeated record(s)" in caplog.text
    d = RunDir(tmp_path / "run", {"seed": 0}, schema=ADVERSARIAL)
    d.path.joinpath("records.csv").write_bytes(path.read_bytes())
    assert [r["run"] for r in d.records()] == [0, 1]
    d.append_records([_attack(2, 10.0, 1.0, 40.0)])  # the repair before the append drops the copy
    d.close()
    assert [r["run"] for r in read_records(d.path)] == [0, 1, 2]  # no schema: the file's distinct rows, 3 now


def test_a_column_the_schema_does_not_declare_is_refused(tmp_path):
    path = tmp_path / "records.csv"
    store.append(path, [{**_attack(0, 40.0, 1.0, 30.0), "succes": 1.0}])  # no schema: written as given
    with pytest.raises(UserError) as e:
        read_records(tmp_path, ADVERSARIAL)
    assert str(e.value) == (
        f"{path} has column(s) succes that `intriguing adversarial` records do not have (keys: "
        f"model, weights, attack, norm, eps, eps_px, steps, run, source, view); it was written by "
        f"another command or version, or edited: move it aside or choose another folder."
    )
    other = tmp_path / "other.csv"
    with pytest.raises(ValueError, match="column\\(s\\) succes that its record schema does not declare"):
        store.append(other, [{**_attack(0, 40.0, 1.0, 30.0), "succes": 1.0}], ADVERSARIAL)
    with pytest.raises(ValueError, match="steps is '10' \\(str\\), declared int"):
        store.append(other, [{**_attack(0, 40.0, 1.0, 30.0), "steps": "10"}], ADVERSARIAL)
    assert not other.exists()  # refused before anything was written
    store.append(other, [{**_attack(0, 40.0, 1.0, 30.0), "eps": 8, "source": None, "l2": float("nan")}], ADVERSARIAL)
    assert len(read_records(other, ADVERSARIAL)) == 1  # an int for a float, None, NaN: all fine


def test_a_schema_declares_each_column_once_and_typed():
    with pytest.raises(ValueError, match="n declared both key and metric"):
        RecordSchema("demo", keys={"model": str, "n": int}, metrics={"n": int})
    with pytest.raises(ValueError, match="x not typed int, float or str"):
        RecordSchema("demo", keys={"model": str, "x": list})


@dataclass
class _Config:
    x: int = 0


def test_every_command_declares_its_schema():
    class NoSchema(Experiment):
        name, Config = "demo", _Config

        def run(self, bundles, data, run_dir, opts):
            return [], {}

        @classmethod
        def report(cls, records, out_dir, plot=True):
            return ""

    with pytest.raises(TypeError, match="NoSchema.schema must be the RecordSchema of 'demo' records"):
        check_experiment(NoSchema, "demo")
    assert {get_experiment(n).schema.command for n in EXPERIMENTS} == set(EXPERIMENTS)


def _golden_headers():
    """command -> [(golden file, header, rows)] of every golden records file."""
    out = {}
    for case, (command, *_) in make_golden.CASES.items():
        text = (Path(make_golden.__file__).parent / f"{case}.records.csv").read_text()
        header, *rows = list(csv.reader(io.StringIO(text)))
        out.setdefault(command, []).append((case, header, rows))
    return out


def test_the_schemas_key_columns_are_what_the_runs_write_minus_their_metrics():
    """Every golden column is declared; a command's key columns are the columns its runs write that are not
    metrics (those under an option no golden case uses aside); and the keys tell every row of a run apart, so
    de-duplicating on them never merges two records (Hessian's SLQ rows differ by node only)."""
    headers = _golden_headers()
    assert set(headers) == set(EXPERIMENTS)  # every command has a golden case
    for command, files in headers.items():
        schema = get_experiment(command).schema
        written = set()
        for case, header, rows in files:
            assert schema.unknown(header) == [], case
            keys = [i for i, c in enumerate(header) if schema.is_key(c)]
            written |= {header[i] for i in keys}
            assert len({tuple(r[i] for i in keys) for r in rows}) == len(rows), f"{case}: keys repeat"
            for c, values in zip(header, zip(*rows)):  # what an int or float column holds reads back so
                kind = schema.keys.get(c) or schema.metrics[c]
                parsed = [store.parse(v) for v in values if v != ""]
                assert kind is not int or all(isinstance(v, int) for v in parsed), (case, c)
                assert kind is not float or all(isinstance(v, (int, float)) for v in parsed), (case, c)
        assert written == set(schema.keys) - OPTION_ONLY.get(command, set()), command
        assert set(make_golden.VOLATILE) & set(schema.keys) == set()  # timings are never keys


def test_the_resume_index_matches_values_as_they_read_back():
    text = "model,weights,ratio,grid,run,top1\nvit,w,0.50,4x4,0,1.0\nvit,w,0,4x4,1,2.0\n"
    records = [{k: store.parse(v) for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]
    index = RecordIndex(records)
    assert index.has("vit", {"ratio": 0.5, "grid": "4x4", "run": 0}, "w")  # "0.50" in the file
    assert index.has("vit", {"ratio": 0.0, "run": 1}, "w") and index.has("vit", {"ratio": "0"}, None)
    assert not index.has("vit", {"ratio": 0.5, "run": 1}, "w") and not index.has("vit", {"ratio": 0.5}, "v")
    assert not index.has("cnn", {"ratio": 0.5}, "w") and not index.has("vit", {"top1": 3.0}, "w")


class _Counted(list):
    passes = 0

    def __iter__(self):
        _Counted.passes += 1
        return super().__iter__()


def test_the_resume_index_reads_the_records_once_per_set_of_condition_fields():
    """Planning looks every planned key up in sets: the records are read once per set of condition fields, not
    once per planned key (a scan per key was quadratic in a large folder)."""
    records = _Counted({"model": "vit", "weights": "w", "ratio": r / 100, "run": 0, "top1": 1.0} for r in range(500))
    index = RecordIndex(records)
    _Counted.passes = 0
    assert all(index.has("vit", {"ratio": r / 100, "run": 0}, "w") for r in range(500))
    assert not any(index.has("vit", {"ratio": r / 100, "run": 1}, "w") for r in range(500))
    assert _Counted.passes == 1
    assert index.has("vit", {"ratio": 0.25}, "w") and _Counted.passes == 2  # another set of fields: one more pass


def test_a_rerun_finds_records_whose_numbers_are_written_differently(tmp_path, image_folder, monkeypatch):
    """Resume matches 0.50 in a hand-edited records.csv with the planned ratio 0.5, as before the index."""
    argv = [
        "--models",
        "test_tiny_cnn",
        "--data-path",
        str(image_folder),
        "--ratios",
        "0",
        "0.5",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--out-dir",
        str(tmp_path / "out"),
    ]
    assert run_command("occlusion", argv) == 0
    path = tmp_path / "out" / "records.csv"
    rows = list(csv.reader(io.StringIO(path.read_text())))
    at = rows[0].index("ratio")
    for r in rows[1:]:
        r[at] = {"0.0": "0", "0.5": "0.50"}[r[at]]
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    calls = []
    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", lambda *a: calls.append(1))
    assert run_command("occlusion", argv) == 0 and not calls


def test_a_folder_is_read_by_the_schema_its_manifest_keeps(tmp_path):
    """``read_records(folder)`` with no schema given: the run's manifest names its key columns, so a second copy
    of one measurement (other metric digits) is dropped as the command itself drops it."""
    d = RunDir(tmp_path / "run", {"seed": 0}, schema=ADVERSARIAL)
    d.append_records([_attack(0, 40.0, 1.2345, 30.0)])
    d.close()
    assert read_manifest(d.path)["record_schema"] == ADVERSARIAL.to_json()
    assert RecordSchema.from_json(ADVERSARIAL.to_json()) == ADVERSARIAL
    store.append(d.path / "records.csv", [_attack(0, 40.000001, 1.2345001, 30.0)])  # a copy, written without keys
    assert [(r["run"], r["success"]) for r in read_records(d.path)] == [(0, 40.0)]
    assert len(read_records(d.path / "records.csv")) == 1  # the file's path finds the folder's manifest too
    (d.path / "manifest.json").write_text(json.dumps({"record_schema": {"keys": 1}}))  # edited by hand
    assert len(read_records(d.path)) == 2  # no usable schema: one row per distinct row, as before


def test_report_groups_by_the_schemas_keys(tmp_path, capsys):
    """Two runs of one attack are one row of summary.md (runs 2), whatever success and l2 they measured; a folder
    whose manifest names the command by an older name (freq_noise) reads by that command's schema."""
    folder = tmp_path / "adv"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"analysis": "adversarial", "config": {}}))
    store.append(folder / "records.csv", [_attack(0, 40.0, 1.2, 30.0), _attack(1, 20.0, 1.5, 40.0)])
    assert main(["report", str(folder), "--no-plot"]) == 0
    table = (folder / "summary.md").read_text().splitlines()
    assert table[0] == "| model | attack | norm | eps | eps_px | steps | top1 | top5 |"
    assert table[2:] == ["| vit | pgd | linf | 8 | 0.0314 | 10 | 35.00 ± 7.07 | 90.00 ± 0.00 |"]
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"analysis": "freq_noise", "config": {}}))
    row = {
        "model": "vit",
        "weights": "w",
        "condition": "clean",
        "freq": "",
        "eps": 0.0,
        "space": "pixel",
        "run": 0,
        "n": 4,
        "top1": 50.0,
        "top5": 75.0,
    }
    store.append(old / "records.csv", [row, {**row, "condition": "band_noise", "freq": 0.5, "top1": 25.0}])
    assert main(["report", str(old), "--no-plot"]) == 0
    assert (old / "summary.md").read_text().splitlines()[
        0
    ] == "| model | condition | freq | eps | space | top1 | top5 |"
