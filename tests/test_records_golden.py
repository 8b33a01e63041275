"""Every command's records are byte-identical to those of commit fadc865 (issue 26: the engine refactor must not
change them): each case of ``tests/golden/make_golden.py`` runs on tiny models and synthetic data and its
records.csv (and decompressed per_image.csv.gz) must equal the golden file, after dropping only the columns in
``make_golden.VOLATILE``. One more case interrupts an occlusion run after its first batch and resumes it.
Regenerate the golden files with the command in ``make_golden.py``'s docstring (from the pristine commit)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from golden import make_golden
from intriguing.zoo.bundle import ModelBundle

GOLDEN = Path(make_golden.__file__).resolve().parent


def first_difference(name: str, expected: bytes, got: bytes) -> str:
    """A readable account of where ``got`` departs from the golden ``expected``: the first differing line."""
    exp, new = expected.decode().splitlines(), got.decode().splitlines()
    for i, (a, b) in enumerate(zip(exp, new)):
        if a != b:
            col = next((j for j, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            header, fa, fb = (next(csv.reader([line])) for line in (exp[0], a, b))
            field = next(
                (header[j] if j < len(header) else f"#{j + 1}" for j, (x, y) in enumerate(zip(fa, fb)) if x != y),
                "the number of fields",
            )
            return (
                f"{name} differs from the golden file at line {i + 1}, column {col + 1} ({field}):\n"
                f"  header : {exp[0][:300]}\n  golden : {a[:300]}\n  now    : {b[:300]}\n"
                f"           {' ' * col}^"
            )
    if len(exp) != len(new):
        return f"{name}: {len(new)} lines, the golden file has {len(exp)}"
    return f"{name}: the same lines, other bytes (line endings or a final newline)"


def check(case: str, files: dict[str, bytes]) -> None:
    """``files`` (a case's outputs) are the golden files of ``case``, all of them, byte for byte."""
    golden = sorted(p.name for p in GOLDEN.glob(f"{case}.*.csv"))
    assert sorted(files) == golden, f"outputs {sorted(files)}, golden files {golden}"
    for name, data in files.items():
        expected = (GOLDEN / name).read_bytes()
        assert data == expected, first_difference(name, expected, data)


@pytest.mark.parametrize("case", list(make_golden.CASES))
def test_records_equal_the_golden_files(case, tmp_path):
    check(case, make_golden.produce(case, tmp_path))


def test_an_interrupted_occlusion_run_resumes_to_the_golden_records(tmp_path, monkeypatch):
    """Ctrl-C at the model's first forward of the second batch, then a rerun: the records and per-image rows are the
    golden ones of the uninterrupted run (which saves its pass state after every batch too), and the rerun evaluated
    the second batch only."""
    case = "occlusion-resume"
    real, calls, limit = ModelBundle.__call__, [], [0]

    def counting(self, x):
        calls.append(len(x))
        if limit[0] and len(calls) > limit[0]:
            raise KeyboardInterrupt
        return real(self, x)

    monkeypatch.setattr(ModelBundle, "__call__", counting)
    check(case, make_golden.produce(case, tmp_path / "full"))
    per_batch = len(calls) // 2  # 6 images in batches of 4: two batches, the same forwards each
    assert per_batch > 0 and calls == [4] * per_batch + [2] * per_batch
    calls.clear()
    limit[0] = per_batch
    assert make_golden.run_case(case, tmp_path / "cut") == 130
    assert (tmp_path / "cut" / "out" / "partial.json").is_file()
    calls.clear()
    limit[0] = 0
    resumed = make_golden.produce(case, tmp_path / "cut")
    assert calls == [2] * per_batch  # only the second batch ran again
    check(case, resumed)
