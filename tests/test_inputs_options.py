"""Option values are checked from their declarations (``option(..., within=...)`` in intriguing/options.py) before any
folder or model is touched, in every command and in ``intriguing.run``: numbers finite and in range, grids of the
form HxW, and no list repeating a value (a repeated condition was scored twice: ``--ratios 0 0`` recorded n = 16 for
8 images)."""

from __future__ import annotations

import pytest

from intriguing.cli.main import run_command
from intriguing.errors import UserError
from intriguing.experiments import EXPERIMENTS, get_experiment
from intriguing.options import _default, _unwrap, dest, fields_of

# options some commands cannot run without (checked after the values under test)
REQUIRED = {"patch": ["--train-path", "x"], "stylize": ["--style-path", "x", "--target", "y"]}
# a valid item for list options whose default is empty
SAMPLE = {
    "stages": "2",
    "model_kwargs": "depth=2",
    "exclude": "pos_embed",
    "sets": "val=x",
    "dataset": "folder",
    "blocks": "last1",
}


def flag_of(f) -> str:
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def list_options():
    for name in EXPERIMENTS:
        for f, tp in fields_of(get_experiment(name).Config):
            el, _, many = _unwrap(tp)
            if many:
                default = _default(f)
                value = str(default[0]) if default else SAMPLE[dest(f)]
                yield pytest.param(name, flag_of(f), value, id=f"{name}{flag_of(f)}")


def float_options():
    for name in EXPERIMENTS:
        for f, tp in fields_of(get_experiment(name).Config):
            if _unwrap(tp)[0] is float:
                yield pytest.param(name, flag_of(f), id=f"{name}{flag_of(f)}")


@pytest.fixture
def no_models(monkeypatch):
    """Fails the test if a model is loaded: the checks must come first."""
    import intriguing.zoo

    def refuse(*a, **k):
        raise AssertionError("a model was loaded before the options were checked")

    monkeypatch.setattr(intriguing.zoo, "load_model", refuse)


def refused(name, argv, tmp_path, capsys) -> str:
    out = tmp_path / "out"
    code = run_command(name, [*argv, *REQUIRED.get(name, []), "--out-dir", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and not out.exists(), err
    return err.strip()


@pytest.mark.parametrize("name, flag, value", list(list_options()))
def test_a_repeated_value_of_any_list_option_is_refused(name, flag, value, tmp_path, capsys, no_models):
    err = refused(name, [flag, value, value], tmp_path, capsys)
    assert err.startswith(f"error: {flag} lists ") and "more than once; give each value once" in err


def test_the_list_options_cover_every_command_that_takes_a_list():
    names = {p.values[0] for p in list_options()}
    assert {
        "occlusion",
        "shuffle",
        "per-block",
        "lesion",
        "adversarial",
        "freq-noise",
        "corruption",
        "feature-correlation",
        "patch",
        "transfer",
    } <= names


@pytest.mark.parametrize(
    "argv, message",
    [
        (["occlusion", "--ratios", "0", "0"], "--ratios lists 0.0 more than once"),
        (["occlusion", "--ratios", "0.5", ".50"], "--ratios lists 0.5 more than once"),
        (["shuffle", "--grids", "2x2", "2X2"], "--grids lists 2x2 more than once"),
        (["per-block", "--grids", "4", "4x4"], "--grids lists 4x4 more than once"),
        (["adversarial", "--eps", "0", "0.0"], "--eps lists 0.0 more than once"),
        (["lesion", "--fractions", "0.25", "0.25"], "--fractions lists 0.25 more than once"),
        (["lesion", "--blocks", "0", "0"], "--blocks lists 0 more than once"),
        (["corruption", "--severities", "1-5", "3"], "--severities lists 3 more than once"),
        (["corruption", "--severities", "1", "1"], "--severities lists 1 more than once"),
        (
            ["corruption", "--corruptions", "noise", "gaussian_noise"],
            "--corruptions lists gaussian_noise more than once",
        ),
    ],
)
def test_repeated_conditions_after_normalisation_are_refused(argv, message, tmp_path, capsys, no_models):
    assert message in refused(argv[0], argv[1:], tmp_path, capsys)


def test_the_library_refuses_a_repeated_condition_too(tmp_path, no_models):
    import intriguing

    with pytest.raises(UserError, match=r"^--ratios lists 0.0 more than once; give each value once"):
        intriguing.run("occlusion", models="test_tiny_vit", ratios=[0.0, 0.0], out_dir=str(tmp_path / "o"))
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name, flag", list(float_options()))
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_every_float_option_refuses_a_non_finite_number(name, flag, bad, tmp_path, capsys, no_models):
    get = get_experiment(name)
    many = any(_unwrap(tp)[2] for f, tp in fields_of(get.Config) if flag_of(f) == flag)
    err = refused(name, [f"{flag}={bad}"], tmp_path, capsys)  # "=": argparse reads -inf as a flag otherwise
    assert err == f"error: {flag} must be a finite number; got {[float(bad)] if many else float(bad)}."


@pytest.mark.parametrize(
    "argv, message",
    [
        (["adversarial", "--eps", "nan"], "--eps must be a finite number; got [nan]."),
        (["adversarial", "--eps-l2", "-1", "--attacks", "pgd-l2"], "--eps-l2 must be at least 0; got [-1.0]."),
        (["transfer", "--lrs", "-1"], "--lrs must be positive; got [-1.0]."),
        (["transfer", "--weight-decays", "-0.1"], "--weight-decays must be at least 0; got [-0.1]."),
        (["transfer", "--val-fraction", "1"], "--val-fraction must lie in (0, 1); got 1.0."),
        (["transfer", "--shots", "0"], "--shots must be at least 1; got [0]."),
        (["train", "--lr", "-1"], "--lr must be positive; got -1.0."),
        (["train", "--smoothing", "1"], "--smoothing must lie in [0, 1); got 1.0."),
        (["train", "--drop-path", "1.5"], "--drop-path must lie in [0, 1); got 1.5."),
        (["train", "--clip-grad", "0"], "--clip-grad must be positive; got 0.0."),
        (["occlusion", "--grid", "0x0"], "Grid '0x0' is not of the form HxW with positive sizes."),
        (["occlusion", "--grid", "7y9"], "Grid '7y9' is not of the form HxW (e.g. 14x14)."),
        (
            ["transfer", "--blocks", "last0"],
            "--blocks 'last0': use all, lastN (N >= 1), a:b or a comma list such as 8,9,10,11.",
        ),
        (
            ["transfer", "--blocks", "8:12:0"],
            "--blocks '8:12:0': use all, lastN (N >= 1), a:b or a comma list such as 8,9,10,11.",
        ),
        (["occlusion", "--ratios", "1.5"], "--ratios must lie in [0, 1]; got [1.5]."),
        (["per-block", "--ratios", "0"], "--ratios must lie in (0, 1]; got [0.0]."),
        (["patch", "--areas", "0"], "--areas must lie in (0, 1]; got [0.0]."),
        (["patch", "--lr", "-0.1"], "--lr must be positive; got -0.1."),
        (["freq-noise", "--freqs", "2"], "--freqs must lie in [0, 1.5]; got [2.0]."),
        (["segmentation", "--threshold", "0"], "--threshold must lie in (0, 1]; got 0.0."),
        (["landscape", "--span", "-1"], "--span must be positive; got -1.0."),
        (["hessian", "--weight-decay", "-1"], "--weight-decay must be at least 0; got -1.0."),
        (["stylize", "--alpha", "2"], "--alpha must lie in [0, 1]; got 2.0."),
        (["occlusion", "--seed", "-1"], "--seed must be at least 0; got -1."),
        (["occlusion", "--batch-size", "0"], "--batch-size must be at least 1; got 0."),
    ],
)
def test_numbers_and_syntax_are_checked_before_any_folder_or_model(argv, message, tmp_path, capsys, no_models):
    assert refused(argv[0], argv[1:], tmp_path, capsys) == f"error: {message}"


@pytest.mark.parametrize(
    "experiment, kwargs, message",
    [
        ("adversarial", {"eps": (float("nan"),)}, "--eps must be a finite number"),
        ("transfer", {"lrs": (-1.0,)}, "--lrs must be positive"),
        ("train", {"lr": -1.0}, "--lr must be positive"),
        ("occlusion", {"grid": "7y9"}, "Grid '7y9' is not of the form HxW"),
    ],
)
def test_the_library_checks_the_same_declarations(experiment, kwargs, message, tmp_path, no_models):
    import intriguing

    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        intriguing.run(experiment, models="test_tiny_vit", out_dir=str(tmp_path / "o"), **kwargs)
    assert not (tmp_path / "o").exists()


def test_every_declared_default_lies_inside_its_own_interval():
    from intriguing.options import _inside

    for name in EXPERIMENTS:
        for f, _tp in fields_of(get_experiment(name).Config):
            within, default = f.metadata.get("within"), _default(f)
            values = default if isinstance(default, tuple) else (default,)
            assert not within or all(v is None or _inside(v, within) for v in values), (name, f.name, within)
