"""MkDocs hooks: the site's home page is the repository's README.md and its changelog page CHANGELOG.md.

Both files live at the repository root, outside ``docs_dir``; ``docs/index.md`` and ``docs/changelog.md`` are stubs
whose content is replaced at build time by the root file, with its links rewritten for the site (``docs/x.md`` ->
``x.md``). The links are rewritten before MkDocs checks them, so ``mkdocs build --strict`` fails on a broken link in
the README or the changelog as on any page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIRRORS = {"index.md": "README.md", "changelog.md": "CHANGELOG.md"}


def site_links(text: str) -> str:
    """Links written from the repository root, made relative to ``docs/``."""
    text = re.sub(r'(\]\(|src=")docs/', r"\1", text)
    return text.replace("](CHANGELOG.md", "](changelog.md").replace("](README.md", "](index.md")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    source = MIRRORS.get(page.file.src_uri)
    if source is None:
        return markdown
    return site_links((ROOT / source).read_text(encoding="utf-8"))
