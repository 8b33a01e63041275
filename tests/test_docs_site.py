"""The README stays short and routes to the manual, and the docs site builds: every command has a README row that
links to its manual page and its generated reference page, every manual page is in the site's nav, and
`mkdocs build --strict` (what `.ci/run` runs) passes offline, with the README and CHANGELOG mirrored into the site."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _hooks():
    """docs/mkdocs_hooks.py, loaded from its file (docs/ is not a package and stays off sys.path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mkdocs_hooks", REPO / "docs" / "mkdocs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


README_MAX_LINES = 300


def _commands() -> list:
    from intriguing.cli.main import TOOLS
    from intriguing.experiments import EXPERIMENTS

    return list(EXPERIMENTS) + list(TOOLS)


def _nav_pages() -> set:
    """The pages mkdocs.yml's nav names (read as text: the hooks entry and nav items are all `x.md` strings)."""
    nav = (REPO / "mkdocs.yml").read_text().split("\nnav:\n", 1)[1]
    return set(re.findall(r"([\w/.-]+\.md)\s*$", nav, re.M))


def test_readme_is_short():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail to docs/"


def test_every_command_has_one_readme_row_linking_to_its_pages():
    rows = [line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| `intriguing ")]
    for command in _commands():
        mine = [row for row in rows if re.match(rf"\| `intriguing {re.escape(command)}[` ]", row)]
        assert len(mine) == 1, f"README's command table has {len(mine)} rows for {command}"
        links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", mine[0])
        assert f"docs/commands/{command}.md" in links, f"{command}: no link to its reference page"
        manual = [link for link in links if not link.startswith("docs/commands/")]
        assert manual, f"{command}: no link to a manual page"
        for link in manual:
            assert (REPO / link).is_file(), f"{command}: README links to {link}, which does not exist"


def _not_in_nav() -> list:
    """The folders mkdocs.yml's ``not_in_nav`` exempts (generated fragments), as ``examples/``."""
    block = (REPO / "mkdocs.yml").read_text().split("\nnot_in_nav: |\n", 1)
    if len(block) == 1:
        return []
    return [line.strip().strip("/") + "/" for line in block[1].splitlines()[:20] if line.startswith("  /")]


def test_every_manual_page_is_in_the_nav():
    nav = _nav_pages()
    exempt = tuple(_not_in_nav())
    on_disk = {p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs").rglob("*.md")}
    on_disk = {page for page in on_disk if not page.startswith(exempt)}
    assert on_disk - nav == set(), "pages missing from mkdocs.yml's nav"
    assert {f"commands/{c}.md" for c in _commands()} <= nav
    assert {"index.md", "changelog.md", "ARCHITECTURE.md"} <= nav


def test_site_links_make_root_links_relative_to_docs():
    text = (
        '[a](docs/experiments/occlusion.md) <img src="docs/images/x.png"> ![b](docs/images/y.png) '
        "[c](CHANGELOG.md) [d](README.md#tests) [e](https://example.org/docs/x.md)"
    )
    assert _hooks().site_links(text) == (
        '[a](experiments/occlusion.md) <img src="images/x.png"> ![b](images/y.png) '
        "[c](changelog.md) [d](index.md#tests) [e](https://example.org/docs/x.md)"
    )


@pytest.mark.skipif(
    shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None,
    reason="mkdocs is not installed beside this Python (the [test] extra installs it)",
)
def test_site_builds_strict_with_readme_and_changelog(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    done = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    home = (tmp_path / "site" / "index.html").read_text()
    assert 'src="images/reference_patchdrop.png"' in home and 'href="experiments/occlusion.html"' in home
    changelog = (tmp_path / "site" / "changelog.html").read_text()
    assert "Unreleased" in changelog and "0.2.0" in changelog
