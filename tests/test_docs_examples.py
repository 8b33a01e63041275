"""The docs' example numbers and figures come from docs/make_examples.sh: the pages show the committed snippets
(docs/examples/<name>.md) unchanged, every figure they show is made by an example, and a cheap example, rerun now,
reproduces its committed snippet (so a stale number fails here, not in a reader's hands)."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from conftest import REPO, shared_path


def _load():
    spec = importlib.util.spec_from_file_location("make_examples", REPO / "docs" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


ME = _load()
REGEN = "bash docs/make_examples.sh {name}"
IMAGE = re.compile(r"\bimages/([\w.-]+\.png)")  # docs/images/x.png, ../images/x.png, src="images/x.png"


def test_pages_show_the_committed_snippets():
    for page in ME.doc_pages():
        for m in ME.REGION.finditer(page.read_text()):
            name = m.group("name")
            path = ME.SNIPPETS / f"{name}.md"
            assert path.is_file(), f"{page.relative_to(REPO)} shows example {name!r}, which make_examples.py lacks"
            assert m.group("body") == path.read_text(), (
                f"{page.relative_to(REPO)}: example {name!r} differs from docs/examples/{name}.md; run "
                f"`python docs/make_examples.py --sync`"
            )


@pytest.mark.parametrize("name", list(ME.EXAMPLES))
def test_each_example_has_its_snippet_and_figures(name):
    path = ME.SNIPPETS / f"{name}.md"
    if name in ME.PENDING and not path.is_file():
        pytest.skip(f"not run yet: `{REGEN.format(name=name)}`")
    assert path.is_file(), f"no docs/examples/{name}.md: run `{REGEN.format(name=name)}`"
    commands = ME.snippet(name, [""] * len(ME.EXAMPLES[name].commands))
    assert path.read_text().startswith(commands), f"{name}'s commands changed: run `{REGEN.format(name=name)}`"
    for target in ME.EXAMPLES[name].figures.values():
        assert (ME.IMAGES / target).is_file(), target


def test_every_figure_the_docs_show_is_made_by_an_example_or_says_why_not():
    made = {t for ex in ME.EXAMPLES.values() for t in ex.figures.values()}
    shown = {name for page in ME.doc_pages() for name in IMAGE.findall(page.read_text())}
    orphans = sorted(shown - made - set(ME.NOT_REGENERATED))
    assert not orphans, f"figures no example makes (add them to docs/make_examples.py): {orphans}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ME.CHEAP)
def test_a_cheap_example_reproduces_its_committed_numbers(name, tmp_path):
    shared = shared_path()
    fresh = ME.run(name, tmp_path, shared=str(shared), copy_figures=False)
    committed = (ME.SNIPPETS / f"{name}.md").read_text()
    assert fresh == committed, (
        f"docs/examples/{name}.md no longer reproduces: run `{REGEN.format(name=name)}` and "
        f"check the pages that show it"
    )
