"""Every code block of README.md and the manual (docs/**/*.md, not the generated docs/commands) is tested: the ones
marked `<!-- test: run ... -->` run offline on ../shared and the shipped models; every other one must parse with
the commands' own parsers and name only files that exist (tests/docs_blocks.py; the markers: docs/testing-docs.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import docs_blocks as db
from conftest import REPO, shared_path

BLOCKS = list(db.blocks())
SHELL = [b for b in BLOCKS if b.lang == "shell"]


def problems(block: db.Block) -> list:
    """What is wrong with a block without running it."""
    if block.lang == "python":
        try:
            compile(block.code, block.id, "exec")
        except SyntaxError as e:
            return [f"does not compile: {e}"]
        return db.import_problems(block.code)
    out = []
    console = block.code.lstrip().startswith("$ ")
    for words in db.commands(block.code, console=console):
        env, command, args, via = db.what_runs(words)
        out += [f"{p} does not exist" for p in db.named_paths(words) if not (REPO / p).exists()]
        if command is None:
            continue
        if via and via.startswith("scripts/"):
            text = (REPO / via).read_text() + (REPO / "scripts" / "_env.sh").read_text()
            out += [f"{via} does not read {v}" for v in env if not re.search(rf"\${{?{v}\b", text)]
        if via and command == "":
            out.append(f"{via} runs no intriguing command")
        error = db.parse_error(command, args)
        if error:
            out.append(f"`{' '.join(words)}`: {error}")
    return out


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_parses_and_names_existing_files(block):
    if block.mode == "skip":
        assert block.args, f"{block.id}: `<!-- test: skip -->` needs a reason"
        return
    assert not problems(block), f"{block.id}: {problems(block)}"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A scratch copy of the checkout (links to its files; its own results/) with ../shared beside it."""
    shared = shared_path()
    root = tmp_path_factory.mktemp("docs")
    (root / "shared").symlink_to(shared)
    work = root / "repo"
    work.mkdir()
    for p in REPO.iterdir():
        if p.name not in ("results", ".git"):
            (work / p.name).symlink_to(p)
    return work


RUN = [b for b in BLOCKS if b.mode == "run"]


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_marked_block_runs_offline(block, checkout):
    env = {
        **os.environ,
        "PATH": f"{checkout / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "OMP_NUM_THREADS": "1",
        "DATA_PATH": "",
    }
    if block.lang == "python":
        cmd = [sys.executable, "-c", block.code]
    else:
        cmd = ["bash", "-euo", "pipefail", "-c", db.with_args(block.code, block.args)]
    done = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{block.id} exit {done.returncode}:\n{(done.stdout + done.stderr)[-3000:]}"


IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")


@pytest.mark.parametrize("page", db.pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_images_a_page_shows_exist(page):
    targets = [a or b for a, b in IMAGE.findall(page.read_text())]
    missing = [t for t in targets if "://" not in t and not (page.parent / t).is_file()]
    assert not missing, f"{page.relative_to(REPO)} shows missing images: {missing}"


# the checker itself: each kind of mistake a block can hold is caught
@pytest.mark.parametrize(
    "code, why",
    [
        ("intriguing occlusion --ratioz 0.5\n", "unrecognized arguments: --ratioz"),
        ("intriguing occlusoin --limit 8\n", "unknown command 'occlusoin'"),
        ("intriguing occlusion --precision fp64\n", "invalid choice: 'fp64'"),
        ("intriguing occlusion --ratios 0 1.5\n", "--ratios must lie in [0, 1]; got [1.5]"),
        ("python evaluate_shuffle.py --grids 2x2 --drop random\n", "unrecognized arguments: --drop random"),
        ("MODLES=x ./scripts/evaluate_occlusion.sh --runs 2\n", "scripts/evaluate_occlusion.sh does not read MODLES"),
        ("intriguing train --config recipes/no_such_recipe.yaml\n", "recipes/no_such_recipe.yaml does not exist"),
        (
            "W=../shared/w; C=x\nintriguing hessian --models a=$W/r.th --data-path $C --top-k 0\n",
            "--top-k must be at least 1; got 0",
        ),
        ("$ intriguing report /tmp/a --per-klass\nsome output line\n", "unrecognized arguments: --per-klass"),
    ],
)
def test_the_checker_catches(code, why, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"text\n\n```{'console' if code.startswith('$') else 'bash'}\n{code}```\n")
    (block,) = db.blocks([page])
    block.path = REPO / "README.md"  # ids are relative to the checkout
    found = problems(block)
    assert any(why in p for p in found), found


def test_a_python_block_importing_what_does_not_exist_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nimport intriguing\nfrom intriguing.features.rollout import attention_rolout\n"
        "intriguing.runn('occlusion')\n```\n<!-- test: run --limit 8 -->\n```sh\nintriguing quickstart\n"
        "```\n"
    )
    python, shell = db.blocks([page])
    assert db.import_problems(python.code) == [
        "intriguing.features.rollout has no attention_rolout",
        "intriguing has no runn",
    ]
    assert (shell.mode, shell.args) == ("run", "--limit 8")
    assert db.with_args(shell.code, shell.args) == "intriguing quickstart --limit 8\n"


def test_every_page_and_block_is_collected():
    assert len(BLOCKS) >= 20 and any(b.path.name == "README.md" for b in BLOCKS)
    assert not any("commands" in b.path.relative_to(REPO).parts for b in BLOCKS)
