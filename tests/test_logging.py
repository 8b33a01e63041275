"""Diagnostics are records of the ``intriguing`` logger: the CLI shows them on stderr (INFO by default, DEBUG with
--verbose, warnings and errors only with --quiet) through tqdm.write, restores the logger when the command ends, and
keeps them out of a run's configuration; a library call configures nothing, and its warnings still reach stderr."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from tqdm import tqdm

import intriguing
from conftest import REPO
from intriguing.cli import main, run_command
from intriguing.cli.logs import configured
from intriguing.cli.main import TOOLS, command_parser
from intriguing.errors import UserError
from intriguing.experiments import EXPERIMENTS
from intriguing.experiments.occlusion import sweep as occlusion_sweep
from intriguing.records import read_manifest, read_records

ARGS = ["--models", "test_tiny_cnn", "--ratios", "0", "--limit", "4", "--workers", "0", "--no-progress", "--no-plot"]


def occlusion(tmp_path, image_folder, *extra, out="out"):
    return run_command("occlusion", [*ARGS, "--data-path", str(image_folder), "--out-dir", str(tmp_path / out), *extra])


@pytest.mark.parametrize("command", sorted(EXPERIMENTS) + sorted(TOOLS))
def test_every_command_takes_the_logging_pair(command):
    flags = {flag for action in command_parser(command)._actions for flag in action.option_strings}
    assert {"--verbose", "--quiet"} <= flags


def test_quiet_silences_the_info_lines_and_verbose_adds_the_debug_ones(tmp_path, image_folder, capsys):
    assert occlusion(tmp_path, image_folder, out="default") == 0
    default = capsys.readouterr()
    header = (
        f"occlusion: root {image_folder}, images 4, classes 3, label_space imagenet-1k; 1 model(s), device cpu, "
        f"results in {tmp_path / 'default'}\n"
    )
    assert default.err == header  # INFO by default, no prefix; no debug line
    assert occlusion(tmp_path, image_folder, "--quiet", out="quiet") == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == default.out  # the summary table is output, not a diagnostic
    assert occlusion(tmp_path, image_folder, "--verbose", out="verbose") == 0
    verbose = capsys.readouterr()
    loaded = "debug: loaded test_tiny_cnn (source packaged, weights packaged)"
    assert verbose.err.splitlines()[1] == loaded and verbose.out == default.out
    assert read_records(tmp_path / "quiet") == read_records(tmp_path / "verbose") == read_records(tmp_path / "default")


def test_errors_pass_quiet_with_their_prefix(tmp_path, image_folder, capsys, monkeypatch):
    real = occlusion_sweep.OcclusionSweep.evaluate

    def broken(self, bundle, *args):
        if bundle.name == "test_tiny_vit":
            raise RuntimeError("size mismatch")
        return real(self, bundle, *args)

    monkeypatch.setattr(occlusion_sweep.OcclusionSweep, "evaluate", broken)
    assert occlusion(tmp_path, image_folder, "--quiet", "--models", "test_tiny_cnn,test_tiny_vit") == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: model test_tiny_vit failed and is skipped: RuntimeError: size mismatch",  # logged as it happened
        "failed: test_tiny_vit (reason above)",
    ]  # the command's closing line (output, not a log) names the model, whose reason was logged


def test_verbose_and_quiet_together_are_one_sentence(tmp_path, image_folder, capsys):
    sentence = "error: --verbose and --quiet contradict each other; give one of them.\n"
    assert occlusion(tmp_path, image_folder, "--verbose", "--quiet") == 2
    assert capsys.readouterr().err == sentence and not (tmp_path / "out").exists()
    assert main(["report", str(tmp_path), "--quiet", "--verbose"]) == 2  # a tool: the same flags, the same sentence
    assert capsys.readouterr().err == sentence


def test_the_logging_flags_are_no_part_of_a_runs_configuration(tmp_path, image_folder, capsys):
    argv = [*ARGS, "--data-path", str(image_folder), "--print-config"]
    assert run_command("occlusion", argv) == 0
    printed = capsys.readouterr().out
    assert run_command("occlusion", [*argv, "--verbose"]) == 0 and capsys.readouterr().out == printed
    assert "verbose" not in printed and "quiet" not in printed
    assert occlusion(tmp_path, image_folder, "--verbose") == 0
    assert occlusion(tmp_path, image_folder, "--quiet") == 0  # the same folder resumes: the same configuration
    assert not {"verbose", "quiet"} & set(read_manifest(tmp_path / "out")["config"])
    assert len(read_records(tmp_path / "out")) == 1


def test_the_cli_puts_the_logger_back_as_it_found_it(tmp_path, image_folder):
    logger = logging.getLogger("intriguing")
    before = logger.level, logger.propagate, list(logger.handlers)
    assert occlusion(tmp_path, image_folder, "--verbose") == 0
    assert (logger.level, logger.propagate, list(logger.handlers)) == before


def test_a_library_call_configures_no_logging_and_refuses_the_cli_flags(tmp_path, image_folder, caplog):
    logger = logging.getLogger("intriguing")
    before = logger.level, logger.propagate, list(logger.handlers), list(logging.getLogger().handlers)
    kwargs = dict(
        models="test_tiny_cnn",
        ratios=(0.0,),
        limit=4,
        workers=0,
        no_plot=True,
        data_path=str(image_folder),
        out_dir=str(tmp_path / "lib"),
    )
    result = intriguing.run_result("occlusion", **kwargs)
    assert not result.failed
    assert (logger.level, logger.propagate, list(logger.handlers), list(logging.getLogger().handlers)) == before
    assert not [r for r in caplog.records if r.name.startswith("intriguing")]  # Python's default level: WARNING
    caplog.set_level(logging.INFO, logger="intriguing")  # the program decides: its handlers, its level
    assert not intriguing.run_result("occlusion", **kwargs).failed  # resumed: nothing left to run, the header says so
    assert [r.getMessage() for r in caplog.records if r.name == "intriguing.runner"] == [
        f"occlusion: root {image_folder}, images 4, classes 3, label_space imagenet-1k; 1 model(s), device cpu, "
        f"results in {tmp_path / 'lib'}"
    ]
    with pytest.raises(
        UserError,
        match=r"^verbose and quiet are command-line options; a library call sets the level "
        r"of the 'intriguing' logger itself",
    ):
        intriguing.run("occlusion", verbose=True, **kwargs)


def test_a_librarys_warning_reaches_stderr_with_no_logging_configured(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("model,ratio,top1\na,0.0,50.0\na,0.5,4")  # a torn last row
    code = "import sys; from intriguing.records import store; print(len(store.read(sys.argv[1])))"
    p = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout == "1\n"
    assert p.stderr == (
        f"{path} holds 1 truncated last row; only whole rows, one per record, are used (the file is "
        f"repaired before the next append).\n"
    )


def test_a_record_logged_under_a_progress_bar_gets_its_own_line(capsys):
    with configured():
        bar = tqdm(total=10, file=sys.stderr, desc="pass", dynamic_ncols=False, ncols=60)
        bar.update(3)
        logging.getLogger("intriguing.records.store").warning("records.csv holds 1 repeated record")
        bar.close()
    segments = capsys.readouterr().err.replace("\r", "\n").split("\n")
    # tqdm.write clears the bar first: the message is a whole line, not glued to the end of the bar's text
    assert "warning: records.csv holds 1 repeated record" in segments
