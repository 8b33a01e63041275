"""``intriguing reproduce``: the plans, the model roles, the verdicts, and end-to-end runs on the real data in
../shared with tiny models (--map) on two cheap steps: a report holding every planned table, every measured number
equal to its step's records, finished steps skipped on a rerun, an interrupted run resumed, missing data reported.
The full quick offline run (``--models offline --quick``, the CI test) needs the reference models in the zoo."""

from __future__ import annotations

import json
import math

import pytest

from conftest import shared_path
from intriguing.cli.main import main
from intriguing.errors import UserError
from intriguing.reproduce import compare, models, published
from intriguing.reproduce.compare import StepOutcome
from intriguing.reproduce.plan import Step, Target
from intriguing.reproduce.plans import PLANS

TINY = (
    "deit_tiny=test_tiny_vit,deit_small=test_tiny_vit,resnet50=test_tiny_cnn,deit_tiny_random=test_tiny_vit=random,"
    "dino=test_tiny_vit"
)


def reproduce(tmp_path, *args: str) -> int:
    val = shared_path("datasets", "imagenette", "val")
    cue = shared_path("datasets", "cue-conflict", "cue-conflict")
    return main(
        [
            "reproduce",
            "naseer2021",
            "--quick",
            "--imagenet-val",
            str(val),
            "--cue-conflict",
            str(cue),
            "--out-dir",
            str(tmp_path / "out"),
            "--map",
            TINY,
            "--workers",
            "0",
            "--device",
            "cpu",
            *args,
        ]
    )


# ---- the plans and the published entries fit together ---------------------------------------------------------------
def test_every_published_entry_is_planned_and_every_step_option_is_accepted():
    from intriguing.experiments import get_experiment
    from intriguing.reproduce import PAPERS
    from intriguing.reproduce.run import planned_identity

    assert set(PAPERS) == set(PLANS)
    for name, plan in PLANS.items():
        paper = published.load(name)
        targets = [t.entry for s in plan.steps for t in s.targets]
        assert sorted(targets) == sorted(paper.entries), name  # each entry measured by exactly one step
        for step in plan.steps:
            assert set(step.roles) <= set(models.ROLES)
            if step.experiment is None:
                assert step.missing
                continue
            get_experiment(step.experiment)
            for quick in (False, True) if step.quick is not None else (False,):
                kwargs = {
                    **step.settings(quick),
                    "models": "m",
                    "data_path": "d",
                    "out_dir": "o",
                    **{k: "m" for k in step.role_options},
                    **{k: "d" for k in step.data_options},
                }
                planned_identity(step.experiment, kwargs)  # the experiment takes every option (UserError if not)


def test_list_names_the_papers_and_their_steps(capsys):
    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("naseer2021:\n  occlusion ") and "\npark2022:\n  landscape " in out
    assert "  position             -                    The image at 128 px" in out
    assert "(not in --quick)" in out.split("park2022:")[1].split("\n")[1]  # landscape


# ---- who plays which model ------------------------------------------------------------------------------------------
def test_roles_resolve_for_paper_offline_and_map():
    paper = models.resolve("paper")
    assert paper["deit_small"] == ["deit_small_patch16_224"] and paper["resnet50_augmix"] == []
    offline = models.resolve("offline")
    assert offline["deit_t_sin"] == [] and "efficientnet_lite0" in offline["resnet50"]
    assert offline["deit_tiny_random"][0].endswith("=random")
    mapped = models.resolve("offline", "deit_small_patch16_224=a+b,resnet50=")
    assert mapped["deit_small"] == ["a", "b"] and mapped["resnet50"] == []
    assert models.resolve("map", "deit_tiny=x") == {**{k: [] for k in models.ROLES}, "deit_tiny": ["x"]}
    with pytest.raises(UserError, match=r"--map takes ROLE=MODEL items .* got 'deit_smal=x'\. Did you mean"):
        models.parse_map("deit_smal=x")
    assert models.record_name("m=random") == "m=random" and models.record_name("m=/w.pth") == "m"


# ---- verdicts ------------------------------------------------------------------------------------------------------
def outcome(records, images=50000, roles=None, root=None):
    step = Step("s", "t", "occlusion", tuple(roles or {"deit_small": 0}), "imagenet-val")
    dataset = {"images": images, **({"root": root} if root else {})}
    return StepOutcome(
        step,
        "complete",
        specs=roles or {"deit_small": ["deit_small_patch16_224"]},
        records=records,
        manifest={"dataset": dataset, "failed_models": {}},
    )


def entry(*values):
    return published.Entry("e", "Table 9", "table", "t", "top1", "%", "d", "s", tuple(values))


def rec(model, top1, lo, hi, ratio=0.5):
    return {
        "model": model,
        "condition": "random",
        "ratio": ratio,
        "n": 50000,
        "top1": top1,
        "top1_ci_low": lo,
        "top1_ci_high": hi,
    }


def test_verdicts_agree_differ_not_comparable_and_not_run():
    v = published.Value("deit_small", "DeiT-S", {"condition": "random", "ratio": 0.5}, 70.0, decimals=0)
    target = Target("e", "top1")
    rows, verdict = compare.judge(entry(v), target, outcome([rec("deit_small_patch16_224", 69.2, 68.8, 69.6)]), False)
    assert (rows[0].verdict, verdict.verdict) == ("agrees", "agrees")  # 70 lies within [68.8, 69.6] + 0.5 (rounding)
    rows, verdict = compare.judge(entry(v), target, outcome([rec("deit_small_patch16_224", 68.0, 67.6, 68.4)]), False)
    assert rows[0].verdict == "differs" and math.isclose(rows[0].diff, -2.0)
    assert verdict.detail == "1 of 1 compared rows differ; largest -2 % (DeiT-S)"
    # a stand-in, even with the very same number, is not comparable; so is a subset of the images
    stand_in = outcome([rec("x", 70.0, 69.6, 70.4)], roles={"deit_small": ["x"]})
    rows, verdict = compare.judge(entry(v), target, stand_in, False)
    assert rows[0].verdict == "not comparable" and rows[0].reasons == ["x stood in for DeiT-S"]
    rows, _ = compare.judge(entry(v), target, outcome([rec("deit_small_patch16_224", 70, 69, 71)], images=100), False)
    assert rows[0].reasons == ["100 images (the paper: 50,000 of ImageNet val)"]
    # the folder is named: an offline stand-in such as Imagenette val is not ImageNet val
    rows, _ = compare.judge(
        entry(v),
        target,
        outcome([rec("deit_small_patch16_224", 70, 69, 71)], images=100, root="shared/imagenette/val"),
        False,
    )
    assert rows[0].reasons == ["100 images of shared/imagenette/val (the paper: 50,000 of ImageNet val)"]
    rows, verdict = compare.judge(
        entry(v), target, outcome([rec("deit_small_patch16_224", 70, 69, 71, ratio=0.9)]), False
    )
    assert rows[0].verdict == "not run" and verdict.detail == (
        "not measured: deit_small_patch16_224 has no records at condition random, ratio 0.5"
    )
    _, verdict = compare.judge(entry(), target, outcome([]), False)
    assert verdict.verdict == "no published number transcribed"


def test_a_read_off_value_agrees_within_its_uncertainty():
    v = published.Value(
        "deit_small", "ViT", {"condition": "random", "ratio": 0.5}, -5.5, read_off=True, uncertainty=0.3
    )
    for top1, expected in ((-5.75, "agrees"), (-5.85, "differs")):
        rows, _ = compare.judge(
            entry(v), Target("e", "top1"), outcome([rec("deit_small_patch16_224", top1, top1, top1)]), False
        )
        assert rows[0].verdict == expected, top1


# ---- end to end on real data, tiny models ---------------------------------------------------------------------------
def test_report_holds_every_table_and_its_numbers_equal_the_records(tmp_path):
    from intriguing.records import read_records

    assert reproduce(tmp_path, "--steps", "occlusion", "shape_bias") == 0
    out = tmp_path / "out"
    md, html = (out / "report.md").read_text(), (out / "report.html").read_text()
    paper = published.load("naseer2021")
    overview = md.split("## Overview")[1].split("\n\n")[1]
    assert [line.split(" | ")[0].strip("| ") for line in overview.splitlines()[2:]] == [
        e.label for e in paper.entries.values()
    ]
    assert "| Table 8 | The image rescaled to 128x128" in overview and "| position | not run | not selected" in overview
    rows = json.loads((out / "report.json").read_text())["rows"]
    occ, sb = read_records(out / "occlusion"), read_records(out / "shape_bias")
    measured = [r for r in rows if r["measured"] is not None]
    assert {r["entry"] for r in measured} == {"fig3_text", "geirhos2019_resnet50"}
    for r in measured:
        if r["entry"] == "fig3_text":
            want = [
                x
                for x in occ
                if x["model"] == r["used"]
                and x["condition"] == "random"
                and math.isclose(x["ratio"], r["condition"]["ratio"])
            ]
            assert len(want) == 1 and r["measured"] == want[0]["top1"]
            assert r["ci"] == [want[0]["top1_ci_low"], want[0]["top1_ci_high"]]
        else:
            assert r["measured"] == next(x["shape_bias"] for x in sb if x["model"] == r["used"])
        assert f"| {r['used']} |" in md and r["verdict"] == "not comparable"
    assert "test_tiny_cnn stood in for ResNet50" in md and "**Read this first.**" in md
    assert "src='data:image/png;base64," in html and "src='http" not in html and "<link" not in html


def test_a_rerun_skips_finished_steps_and_an_interrupted_one_resumes(tmp_path, monkeypatch):
    import intriguing.runner as runner

    real, calls = runner.run_result, []

    def interrupted(experiment, **kw):
        calls.append(experiment)
        if experiment == "shape-bias":
            raise KeyboardInterrupt
        return real(experiment, **kw)

    monkeypatch.setattr(runner, "run_result", interrupted)
    assert reproduce(tmp_path, "--steps", "occlusion", "shape_bias") == 130
    status = json.loads((tmp_path / "out" / "reproduce.json").read_text())["steps"]
    assert status["occlusion"]["status"] == "complete" and "shape_bias" not in status

    def counting(experiment, **kw):
        calls.append(experiment)
        return real(experiment, **kw)

    calls.clear()
    monkeypatch.setattr(runner, "run_result", counting)
    assert reproduce(tmp_path, "--steps", "occlusion", "shape_bias") == 0
    assert calls == ["shape-bias"]  # the finished step is not run again
    calls.clear()
    assert reproduce(tmp_path, "--steps", "occlusion", "shape_bias") == 0 and calls == []
    assert "Status: complete (finished earlier, not rerun)" in (tmp_path / "out" / "report.md").read_text()


def test_missing_data_is_not_run_with_where_it_is_needed_and_the_others_run(tmp_path):
    assert reproduce(tmp_path, "--steps", "occlusion", "shape_bias", "--imagenet-val", str(tmp_path / "nowhere")) == 0
    md = (tmp_path / "out" / "report.md").read_text()
    assert (
        f"Status: not run: needs ImageNet val at {tmp_path / 'nowhere'} (DIR/<wnid>/*.JPEG; pass --imagenet-val "
        f"DIR or --data-root DIR)."
    ) in md
    assert (tmp_path / "out" / "shape_bias" / "records.csv").is_file()


def test_dry_run_prints_forward_passes_and_a_measured_time(tmp_path, capsys):
    assert reproduce(tmp_path, "--steps", "occlusion", "position", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "occlusion            occlusion            3/image x 64 images x 2 models (ratios x drops x runs); ~" in out
    assert "test_tiny_vit " in out and " ms/img (measured)" in out
    assert "position             not run: no experiment: no experiment of this toolkit rescales" in out
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_quick_offline_plan_runs_on_shared_and_reports_every_table(tmp_path):
    """The CI run: `intriguing reproduce naseer2021 --models offline --quick` on ../shared (a few minutes of CPU)."""
    from intriguing.zoo import ZOO

    refs = [models.REF_VIT, models.REF_CNN, models.REF_DISTILLED]
    missing = [c[0] for c in refs if not any(n in ZOO for n in c)]
    if missing:
        pytest.skip(f"the reference models {', '.join(missing)} are not registered in the zoo yet")
    root = shared_path()
    rc = main(
        [
            "reproduce",
            "naseer2021",
            "--models",
            "offline",
            "--quick",
            "--data-root",
            str(root),
            "--out-dir",
            str(tmp_path / "out"),
            "--device",
            "cpu",
        ]
    )
    assert rc == 0
    out = tmp_path / "out"
    rows = json.loads((out / "report.json").read_text())["rows"]
    assert {r["entry"] for r in rows} >= {e for e, v in published.load("naseer2021").entries.items() if v.values}
    assert all(r["verdict"] in ("not comparable", "not run") for r in rows)  # stand-ins: never "agrees"
    assert any(r["measured"] is not None for r in rows if r["entry"] == "table4_jaccard")


@pytest.mark.slow
def test_quick_offline_park_plan_reports_its_figures_from_the_records(tmp_path):
    """`intriguing reproduce park2022 --models offline --quick` on ../shared (about 30 s of CPU): the Fourier and
    noise-frequency rows hold the numbers of their steps' records, one row per stand-in model."""
    from intriguing.records import read_records
    from intriguing.zoo import ZOO

    if not all(any(n in ZOO for n in c) for c in (models.REF_VIT, models.REF_CNN)):
        pytest.skip("the reference models are not registered in the zoo yet")
    out = tmp_path / "out"
    argv = ["reproduce", "park2022", "--models", "offline", "--quick", "--data-root", str(shared_path())]
    assert main([*argv, "--out-dir", str(out), "--device", "cpu"]) == 0
    rows = json.loads((out / "report.json").read_text())["rows"]
    assert {r["entry"] for r in rows} >= {e for e, v in published.load("park2022").entries.items() if v.values}
    fourier, noise = read_records(out / "fourier"), read_records(out / "freq_noise")
    measured = [r for r in rows if r["measured"] is not None]
    assert {r["entry"] for r in measured} == {"fig2_fourier", "fig2_noise"}
    assert {r["used"] for r in measured} == {*models.REF_VIT, *models.REF_CNN, "efficientnet_lite0"} & set(ZOO)
    for r in measured:
        mine = [x for x in (fourier if r["entry"] == "fig2_fourier" else noise) if x["model"] == r["used"]]
        if r["entry"] == "fig2_fourier":  # the first or the deepest feature map, at the highest frequency
            index = 0 if r["condition"]["block"] == "stem" else max(x["index"] for x in mine)
            at = [x for x in mine if x["index"] == index]
            assert r["measured"] == max(at, key=lambda x: x["freq"])["delta_log_amplitude"]
        else:  # top-1 with noise in the band minus clean top-1, in points
            clean = next(x["top1"] for x in mine if x["condition"] == "clean")
            band = [x["top1"] for x in mine if x["condition"] == "band_noise" and x["freq"] == r["condition"]["freq"]]
            assert len(band) == 1 and r["measured"] == pytest.approx(band[0] - clean)
        assert r["verdict"] == "not comparable"
    md = (out / "report.md").read_text()
    assert md.startswith("# Reproduction report: Park, Kim (ICLR 2022)") and "![Fig. 2 (noise frequency)" in md


def test_the_wrapper_script_passes_its_variables_and_arguments(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    env = {**os.environ, "PYTHON": sys.executable, "PAPER": "park2022", "DATA_PATH": str(tmp_path / "val")}
    p = subprocess.run(
        [
            "bash",
            str(REPO / "scripts" / "reproduce.sh"),
            "--steps",
            "tables",
            "freq_noise",
            "--out-dir",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    md = (tmp_path / "out" / "report.md").read_text()
    assert md.startswith("# Reproduction report: Park, Kim (ICLR 2022)")
    assert f"Status: not run: needs ImageNet val at {tmp_path / 'val'} (DIR/<wnid>/*.JPEG" in md  # DATA_PATH passed
    assert "--models paper" in md


def test_a_model_the_zoo_does_not_know_is_left_out_and_the_others_run(tmp_path):
    val = shared_path("datasets", "imagenette", "val")
    assert (
        main(
            [
                "reproduce",
                "naseer2021",
                "--quick",
                "--imagenet-val",
                str(val),
                "--out-dir",
                str(tmp_path / "out"),
                "--map",
                "deit_small=no_such_model_xyz,resnet50=test_tiny_cnn",
                "--steps",
                "occlusion",
                "--workers",
                "0",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    rows = json.loads((tmp_path / "out" / "report.json").read_text())["rows"]
    small = next(r for r in rows if r["entry"] == "fig3_text" and r["role"] == "deit_small")
    assert small["verdict"] == "not run" and small["reasons"][0].startswith("Unknown model 'no_such_model_xyz'.")
    cnn = next(r for r in rows if r["entry"] == "fig3_text" and r["role"] == "resnet50")
    assert cnn["measured"] is not None and cnn["used"] == "test_tiny_cnn"


def test_a_step_that_crashes_is_reported_failed_and_the_next_step_runs(tmp_path, monkeypatch):
    import intriguing.runner as runner

    real = runner.run_result

    def crashing(experiment, **kw):
        if experiment == "occlusion":
            raise RuntimeError("CUDA error: an illegal memory access")
        return real(experiment, **kw)

    monkeypatch.setattr(runner, "run_result", crashing)
    assert reproduce(tmp_path, "--steps", "occlusion", "shape_bias") == 1
    md = (tmp_path / "out" / "report.md").read_text()
    assert "Status: failed: RuntimeError: CUDA error: an illegal memory access." in md
    assert json.loads((tmp_path / "out" / "reproduce.json").read_text())["steps"]["shape_bias"]["status"] == "complete"
