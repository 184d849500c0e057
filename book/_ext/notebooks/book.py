"""The book as a whole: its pages in table-of-contents order, their labels, its site URL."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from .myst import BookIndex, index_document


def read_front_matter(text: str) -> tuple[dict, str]:
    """(front matter, rest of the text) of a MyST Markdown file."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return yaml.safe_load(text[4:end]) or {}, text[end + 4:].lstrip("\n")
    return {}, text


def toc_docs(book_dir: Path) -> list[str]:
    """Docnames in the order of ``_toc.yml`` (root first), as Sphinx numbers them."""
    toc = yaml.safe_load((book_dir / "_toc.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(re.sub(r"\.(md|ipynb)$", "", entry["file"]))
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    return docs


def site_url(book_dir: Path) -> str:
    """Where the published book lives.

    ``BOOK_SITE_URL`` if set; else ``html.baseurl`` from ``_config.yml``; else the GitHub
    Pages address of the repository (``BOOK_REPOSITORY_URL`` or ``repository.url``):
    ``https://github.com/ORG/REPO`` -> ``https://org.github.io/REPO/``, where the book's
    workflow publishes it.
    """
    url = os.environ.get("BOOK_SITE_URL", "").strip()
    if url:
        return url
    config = yaml.safe_load((book_dir / "_config.yml").read_text(encoding="utf-8")) or {}
    base = ((config.get("html") or {}).get("baseurl") or "").strip()
    if base:
        return base
    repo = (os.environ.get("BOOK_REPOSITORY_URL", "").strip()
            or ((config.get("repository") or {}).get("url") or "").strip())
    match = re.match(r"^https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", repo)
    if not match:
        return ""
    org, name = match.groups()
    if name.lower() == f"{org.lower()}.github.io":
        return f"https://{org.lower()}.github.io/"
    return f"https://{org.lower()}.github.io/{name}/"


def build_index(book_dir: Path, url: str | None = None) -> BookIndex:
    """Labels, numbers and titles of every page of the book at ``book_dir``."""
    book_dir = Path(book_dir)
    index = BookIndex(site_url=site_url(book_dir) if url is None else url)
    counters: dict[str, int] = {}
    for doc in toc_docs(book_dir):
        path = book_dir / f"{doc}.md"
        if not path.is_file():
            continue
        meta, text = read_front_matter(path.read_text(encoding="utf-8"))
        if "kernelspec" in meta:
            index.notebook_docs.add(doc)
        index_document(doc, text, index, counters)
    return index
