"""The code blocks of README.md and docs/**/*.md, and how each is checked (tests/test_docs_blocks.py).

A block is a fenced ```bash / ```shell / ```sh / ```console / ```python block. An HTML comment on the line before
its opening fence says what the test does with it (docs/testing-docs.md):

    <!-- test: run -->              run it as written (offline, in a scratch copy of the checkout beside ../shared)
    <!-- test: run --limit 8 -->    run it with these arguments added to each `intriguing` / shim / wrapper command
                                    that takes them
    <!-- test: parse-only -->       check it only (also what an unmarked block gets)
    <!-- test: skip REASON -->      neither (say why)

Checking a block: every `intriguing CMD ...`, `python -m intriguing CMD ...`, root shim (`python evaluate_x.py ...`)
and wrapper (`./scripts/x.sh ...`) line must parse with that command's own parser (unknown command, unknown flag,
bad choice or a value outside an option's declared range fails); a wrapper's `VAR=value` prefix must be a variable
the wrapper reads; every repository path the block names (scripts/*.sh, recipes/*.yaml, docs/images/*.png, a root
*.py, ...) must exist. A Python block that is not run must compile, and what it imports must exist.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import io
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = {"bash": "shell", "shell": "shell", "sh": "shell", "console": "shell", "python": "python"}
FENCE = re.compile(r"^(?P<indent> {0,3})```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)
MARK = re.compile(r"<!--\s*test:\s*(?P<mode>run|parse-only|skip)\b(?P<rest>.*?)-->")
# repository paths a command line may name: a root script, or a file under one of these folders
REPO_PATH = re.compile(r"^(?:\./)?(?:(?:scripts|recipes|docs|bench|intriguing|tests)/[\w./-]+\.\w+|[\w-]+\.py)$")
SHELL_WORDS = {"&&", "||", ";", "|", "&"}


@dataclass
class Block:
    path: Path
    line: int
    lang: str  # "shell" or "python"
    code: str
    mode: str = "parse-only"
    args: str = ""  # run: added to each command; skip: the reason

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def pages() -> list[Path]:
    """README.md and the manual, without the generated command reference."""
    docs = sorted(p for p in (REPO / "docs").rglob("*.md") if "commands" not in p.relative_to(REPO / "docs").parts)
    return [REPO / "README.md"] + docs


def blocks(paths: Optional[list[Path]] = None) -> Iterator[Block]:
    for path in paths or pages():
        text = path.read_text()
        for m in FENCE.finditer(text):
            lang = LANGUAGES.get(m.group("lang"))
            if lang is None:
                continue
            before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
            mark = MARK.search(before)
            block = Block(path, text[: m.start()].count("\n") + 1, lang, m.group("body"))
            if mark:
                block.mode, block.args = mark.group("mode"), mark.group("rest").strip()
            yield block


def commands(code: str, console: bool = False) -> list[list[str]]:
    """The simple commands of a shell block, continuation lines joined, comments and `$ ` prompts dropped; a
    ``VAR=value`` line is substituted into the later commands (``$W/resnet20.th``)."""
    lines, out, env = [], [], {}
    for raw in code.replace("\\\n", " ").splitlines():
        if console:
            if not raw.startswith("$ "):
                continue
            raw = raw[2:]
        lines.append(raw)
    for line in lines:
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # an unbalanced quote: left to the reader (it is not a command)
            continue
        current: list[str] = []
        for w in words + [";"]:
            end = w in SHELL_WORDS or w.endswith(";")
            if w not in SHELL_WORDS and w.rstrip(";"):
                current.append(w.rstrip(";"))
            if end and current:
                if all(re.match(r"^[A-Za-z_]\w*=", c) for c in current):
                    env.update(c.split("=", 1) for c in current)
                else:
                    out.append([_expand(c, env) for c in current])
                current = []
    return out


def _expand(word: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_]\w*)\}?", lambda m: env.get(m.group(1), m.group(0)), word)


def shim_command(script: str) -> Optional[str]:
    """The command a root shim (evaluate_x.py) or wrapper (scripts/x.sh) runs."""
    text = (REPO / script).read_text()
    m = re.search(r'(?:main|run_command)\("([a-z-]+)"\)', text) or re.search(r"-m intriguing ([a-z-]+)", text)
    return m.group(1) if m else None


def what_runs(words: list[str]) -> tuple:
    """(env prefix, intriguing command or None, its arguments, the script it goes through or None)."""
    env = []
    while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
        env.append(words[0].split("=", 1)[0])
        words = words[1:]
    if not words:
        return env, None, [], None
    prog, rest = words[0], words[1:]
    if prog in ("nice",) and rest[:1] == ["-n"]:
        prog, rest = rest[2], rest[3:]
    if prog.endswith("intriguing"):
        return env, rest[0] if rest else "", rest[1:], None
    if re.search(r"(^|/)python3?$", prog):
        if rest[:2] == ["-m", "intriguing"]:
            return env, rest[2] if len(rest) > 2 else "", rest[3:], None
        if rest and rest[0].endswith(".py") and "/" not in rest[0] and (REPO / rest[0]).is_file():
            return env, shim_command(rest[0]), rest[1:], rest[0]
        return env, None, rest, None
    if prog in ("bash", "sh") and rest:
        prog, rest = rest[0], rest[1:]
    script = prog[2:] if prog.startswith("./") else prog
    if script.startswith("scripts/") and script.endswith(".sh") and (REPO / script).is_file():
        return env, shim_command(script), rest, script
    return env, None, rest, None


def parse_error(command: str, args: list[str]) -> Optional[str]:
    """None when ``intriguing COMMAND ARGS`` parses (and its numbers lie in their declared ranges), else why not."""
    from intriguing.cli.main import TOOLS, command_parser
    from intriguing.errors import UserError
    from intriguing.experiments import EXPERIMENTS, get_experiment
    from intriguing.options import CommonOptions, check_value, dest, fields_of

    if command not in EXPERIMENTS and command not in TOOLS:
        return f"unknown command {command!r}"
    parser = command_parser(command)
    parser.exit_on_error = False
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            ns = parser.parse_args(args)
    except (SystemExit, argparse.ArgumentError) as e:
        return (err.getvalue().strip().splitlines() or [str(e)])[-1]
    if command in EXPERIMENTS or command == "quickstart":
        config = get_experiment("occlusion" if command == "quickstart" else command).Config
        for cls in (CommonOptions, config):
            for f, tp in fields_of(cls):
                try:
                    check_value(f, tp, getattr(ns, dest(f), None))
                except UserError as e:
                    return str(e)
    return None


def named_paths(words: list[str]) -> list[str]:
    """The repository files a command names (its program and arguments, ``--opt=path`` too)."""
    out = []
    for w in words:
        w = w.split("=", 1)[1] if w.startswith("--") and "=" in w else w
        if REPO_PATH.match(w) and not w.startswith(("results/", "data/")):
            out.append(w[2:] if w.startswith("./") else w)
    return out


def import_problems(code: str) -> list[str]:
    """What a Python block imports (and reads off an imported module: ``intriguing.run``) that does not exist."""
    tree = ast.parse(code)
    problems, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                try:
                    modules[a.asname or a.name.split(".")[0]] = importlib.import_module(a.name.split(".")[0])
                    importlib.import_module(a.name)
                except ImportError as e:
                    problems.append(f"import {a.name}: {e}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            try:
                module = importlib.import_module(node.module)
            except ImportError as e:
                problems.append(f"from {node.module}: {e}")
                continue
            problems += [f"{node.module} has no {a.name}" for a in node.names if not hasattr(module, a.name)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            if not hasattr(modules[node.value.id], node.attr):
                problems.append(f"{node.value.id} has no {node.attr}")
    return problems


def _takes(command: Optional[str], args: str) -> bool:
    """Whether ``intriguing COMMAND`` has every flag of ``args``."""
    from intriguing.cli.main import command_parser
    from intriguing.errors import UserError

    try:
        known = command_parser(command)._option_string_actions if command else {}
    except UserError:  # not a command: the parse check says so
        return False
    return all(w in known for w in shlex.split(args) if w.startswith("-"))


def with_args(code: str, args: str) -> str:
    """The block with ``args`` added at the end of each intriguing / shim / wrapper command line that takes them."""
    if not args:
        return code
    out = []
    for line in code.replace("\\\n", " ").splitlines():
        body, hash_, comment = line.partition(" #")
        try:
            words = shlex.split(body)
        except ValueError:
            words = []
        _, command, _, _ = what_runs(words) if words else (None, None, None, None)
        out.append(f"{body.rstrip()} {args}{hash_}{comment}" if _takes(command, args) else line)
    return "\n".join(out) + "\n"
