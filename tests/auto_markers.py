"""Markers a test earns by what it uses, applied at collection (``pytest_collection_modifyitems`` in conftest.py) so
that no test has to remember them:

* ``real_data``: it reaches ``shared_path`` or ``SHARED`` (or a module-level path under ../shared);
* ``e2e``: it reaches a command's entry (``intriguing.cli`` ``run_command`` / ``main``, under any alias: the root
  scripts' ``main`` is ``run_command``; the library's ``intriguing.run`` / ``run_result``) or ``subprocess``.

"Reaches" follows the test function, the fixtures it requests and the functions defined under tests/ that they
call (``helper(...)`` or ``module.helper(...)``), through their code objects (nested functions, lambdas and
comprehensions included).
``torchrun`` and ``slow`` are written on the tests themselves (``tests/test_tooling.py`` checks the torchrun ones).
"""

from __future__ import annotations

import inspect
import subprocess
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import intriguing
from conftest import SHARED, shared_path
from intriguing.cli.main import main as cli_main
from intriguing.cli.main import run_command
from intriguing.runner import run as library_run
from intriguing.runner import run_result

TESTS = Path(__file__).resolve().parent
ENTRIES = (
    run_command,
    cli_main,
    intriguing.run,
    intriguing.run_result,
    library_run,
    run_result,
    subprocess,
    subprocess.run,
    subprocess.Popen,
)
# names that earn a marker wherever they are read, also imported inside a function (then no global holds them)
NAMED = {"shared_path": "real_data", "SHARED": "real_data", "run_command": "e2e", "subprocess": "e2e"}


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _tags_of(obj: Any) -> set[str]:
    if obj is shared_path or obj is SHARED or (isinstance(obj, Path) and SHARED in obj.parents):
        return {"real_data"}
    if any(obj is entry for entry in ENTRIES):
        return {"e2e"}
    return set()


def _ours(obj: Any) -> bool:
    """A function written under tests/ (a test module's helper, conftest's, golden/'s) but not here: followed."""
    if not inspect.isfunction(obj):
        return False
    where = Path(obj.__code__.co_filename).resolve()
    return where.is_relative_to(TESTS) and where != Path(__file__).resolve()


def _looked_into(module: types.ModuleType) -> bool:
    """A module whose attributes the code reads are resolved: the package's, the test helpers', subprocess (not
    numpy's and the like: reading a deprecated attribute such as ``np.str`` warns)."""
    name, file = module.__name__, getattr(module, "__file__", None) or ""
    return (
        name == "subprocess"
        or name.split(".")[0] == "intriguing"
        or (bool(file) and Path(file).resolve().is_relative_to(TESTS))
    )


def uses(func: Callable, seen: set[Any] | None = None) -> set[str]:
    """The markers ``func`` earns: by the globals its code names, and by those of the helpers it calls."""
    seen = set() if seen is None else seen
    func = inspect.unwrap(getattr(func, "__func__", func))
    code = getattr(func, "__code__", None)
    if code is None or func in seen:
        return set()
    seen.add(func)
    scope, tags = func.__globals__, set()
    for co in _codes(code):
        for name in co.co_names:
            if name in NAMED:
                tags.add(NAMED[name])
            if name not in scope:  # a builtin, an attribute name, a name imported inside the function
                continue
            obj = scope[name]
            # a module: the attributes the code reads of it (co_names holds `run` of `intriguing.run(...)` too)
            if inspect.ismodule(obj):
                found = [getattr(obj, n, None) for n in co.co_names] if _looked_into(obj) else []
            else:
                found = [obj]
            for target in found:
                tags |= _tags_of(target)
                if _ours(target):
                    tags |= uses(target, seen)
    return tags


def item_uses(item: pytest.Item) -> set[str]:
    """What a collected test earns: its function's uses and those of every fixture it requests."""
    seen: set[Any] = set()
    tags = uses(item.obj, seen) if hasattr(item, "obj") else set()
    for name in getattr(item, "fixturenames", ()):
        for fixturedef in item._fixtureinfo.name2fixturedefs.get(name, ()):
            tags |= uses(fixturedef.func, seen)
    return tags


def apply(items: list) -> None:
    for item in items:
        for tag in sorted(item_uses(item)):
            item.add_marker(getattr(pytest.mark, tag))
