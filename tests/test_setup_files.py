"""The setup is written in three places users and CI read: README.md's setup command, `.ci/run` (which must install
exactly as the README says) and `requirements.txt`; they must name the same torch pair and the same extras."""
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
