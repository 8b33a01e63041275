"""The command reference (docs/commands/*.md) is what docs/gen_commands.py writes from the option declarations, so it
cannot drift from `intriguing <command> --help`."""

from __future__ import annotations

import importlib.util
import re

import pytest

from conftest import REPO
from intriguing.cli.main import TOOLS, command_parser
from intriguing.experiments import EXPERIMENTS, get_experiment
from intriguing.options import CommonOptions, dest, fields_of, flag_of


def _generator():
    spec = importlib.util.spec_from_file_location("gen_commands", REPO / "docs" / "gen_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


@pytest.fixture(scope="module")
def pages():
    return GEN.pages()


def test_committed_pages_equal_the_generated_ones(pages):
    bad = GEN.stale()
    assert not bad, f"docs/commands is stale ({', '.join(bad)}): run `python docs/gen_commands.py` and commit it"


def test_one_page_per_registered_command_named_like_it(pages):
    assert set(pages) == {"index.md"} | {f"{c}.md" for c in list(EXPERIMENTS) + list(TOOLS)}
    assert "freq-noise.md" in pages and "list-models.md" in pages


def _row(page: str, flag: str) -> list:
    line = next(ln for ln in page.splitlines() if ln.startswith(f"| `{flag}` |"))
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_each_option_row_carries_its_declared_range_choices_and_default(name, pages):
    page, parser = pages[f"{name}.md"], command_parser(name)
    actions = {a.dest: a for a in parser._actions}
    for f, _ in fields_of(get_experiment(name).Config):
        a = actions[dest(f)]
        flag, value, default, allowed, text = _row(page, a.option_strings[0])
        if f.metadata["within"]:
            assert f.metadata["within"] in allowed, (name, flag)
        for choice in f.metadata["choices"] or ():
            assert str(choice) in allowed.split(" "), (name, flag)
        assert " ".join(f.metadata["help"].split()).replace("|", "\\|") == text
        if a.default not in (None, False, True):
            shown = " ".join(map(str, a.default)) if isinstance(a.default, list) else str(a.default)
            assert default == (f"`{shown}`" if shown else '`""`'), (name, flag)


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_a_page_lists_exactly_the_common_options_its_command_takes(name, pages):
    page = pages[f"{name}.md"]
    flags = {a.option_strings[0] for a in command_parser(name)._actions if a.option_strings}
    for f, _ in fields_of(CommonOptions):
        spelled = flag_of(f)
        if spelled in flags:
            assert f"| `{spelled}` |" in page, (name, spelled)
        else:
            assert f"`{spelled}`" in page.split("does not take", 1)[1], (name, spelled)


def test_the_index_has_the_common_options_and_who_refuses_them(pages):
    index = pages["index.md"]
    assert "| `--runs` | int | `1` | [1, inf) |" in index
    not_taken_by = _row(index, "--runs")[-1].split(", ")
    assert "fourier" in not_taken_by and "occlusion" not in not_taken_by
    assert _row(index, "--workers")[2] == "min(4, CPU cores)"  # not this machine's core count
