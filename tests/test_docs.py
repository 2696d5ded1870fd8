"""The README is the front door and docs/ the reference: the README stays short, and every link
between them leads to a file and a heading that exist."""
from __future__ import annotations

import re

from conftest import ROOT

DOCS = ROOT / "docs"
# Listed in the README's index, written on another branch; drop from here once it is in docs/.
PENDING: set = set()


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def prose(path) -> str:
    """The file without fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return re.sub(r"(`+).*?\1", "", text, flags=re.S)


def anchors(path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(heading) for heading in re.findall(r"^#+ (.*)$", text, flags=re.M)}


def pages():
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def test_the_readme_is_a_front_door():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 300


def test_every_docs_file_has_a_title_and_says_what_it_covers():
    for page in sorted(DOCS.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# "), page.name
        assert lines[1] == "" and lines[2], page.name


def test_every_relative_link_leads_to_a_file_and_heading_that_exist():
    checked = 0
    for page in pages():
        for target in re.findall(r"\]\(([^)\s]+)\)", prose(page)):
            if re.match(r"[a-z]+:", target):
                continue
            name, _, anchor = target.partition("#")
            linked = (page.parent / name).resolve() if name else page
            if linked in PENDING:
                continue
            assert linked.is_file(), f"{page.name}: {target}"
            if anchor:
                assert anchor in anchors(linked), f"{page.name}: {target}"
            checked += 1
    assert checked > 20
