"""The setup is written in three places users and CI read: README.md's setup command, `.ci/run` (which must install
exactly as the README says) and `requirements.txt`; they must name the same torch pair and the same extras. The test
command CI runs is the one the docs give."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _installs(text: str) -> tuple:
    pins = tuple(sorted(re.findall(r"(torch(?:vision)?==[\d.]+)", text)))
    extras = re.findall(r'-e\s+"?\.\[([\w,]+)\]', text)
    return pins, tuple(sorted(set(",".join(extras).split(","))))


def test_readme_ci_and_requirements_install_the_same():
    readme = next(line for line in (REPO / "README.md").read_text().splitlines() if line.rstrip().endswith("# setup"))
    ci = (REPO / ".ci" / "run").read_text()
    requirements = (REPO / "requirements.txt").read_text()
    expected = _installs(readme)
    assert expected[0] == ("torch==2.14.1", "torchvision==0.29.1") and "test" in expected[1]
    assert _installs(ci) == expected
    assert _installs(requirements) == expected
    # .ci/run runs the README's command itself, not a variant of it
    command = readme.split("#")[0].strip()
    assert command.split("&& ", 1)[1] in ci


def test_the_documented_test_command_is_the_one_ci_runs():
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines() if " -m pytest" in line]
    assert len(ci) == 1 and "--durations=20" in ci[0]
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]  # the README, or the manual it points to
    assert any(ci[0] in page.read_text() for page in pages), f"no page gives CI's test command {ci[0]!r}"
