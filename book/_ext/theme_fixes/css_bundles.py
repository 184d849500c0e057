"""Two stylesheet requests per page instead of twelve to seventeen.

A page linked 12 to 17 stylesheets (the theme's, Sphinx's, each extension's, the book's),
every one render-blocking: on a phone each is a request the first paint waits for. After
the build each page's ``<link rel="stylesheet">`` tags under ``_static/`` are replaced by
links to two bundles in ``_static/bundles/``: the same files' text, in the page's order
(so the cascade is unchanged), ``@import``\\s inlined and every relative ``url()``
rewritten to point from the bundles' folder to the file it pointed to before.

The first bundle holds the files every page links first (the theme's and Sphinx's, about
90 KB of the ~100 KB gzipped): all pages share it, so a reader's browser fetches it once
for the whole book. The second holds the rest of the page's list (math, quiz, widget and
the book's own CSS) and is small. A bundle is named by the hash of its list of files, so
pages with the same list share it.

The shared bundle is then cut to the rules the site can use (``purge_unused_rules``:
PurgeCSS, npm ``purgecss``): a rule stays when the words of its selector occur in some page
or script of the built site (a class a script adds, such as Bootstrap's ``show``, is
named in that script). The theme's sheet carries all of Bootstrap, and 91 % of the bundle
was unused on a chapter: 546 KB became 174 KB (90 KB to 32 KB gzipped), which a phone
downloads before its first paint and matches against every element of the page.

A rebuild in the same folder leaves unchanged pages alone, so the list of files behind
each bundle is kept in the doctree folder and every bundle is written again at the end
of every build, from the files then in ``_static/``. A bundle no page links any more (a
page's list of style sheets changed, so its bundle got a new name) is removed.

Links that are not plain stylesheets under ``_static/`` (another site's, a ``media``
other than ``all``, alternate stylesheets) stay where they are.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Callable
from pathlib import Path

from _assets import find_node_package, run_node_script, site_pages  # book/_ext/_assets.py
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from gdcode._files import write_atomically

logger = logging.getLogger(__name__)

BUNDLE_DIR = "bundles"
STATIC = "_static/"
MANIFEST = "css_bundles.json"

LINK = re.compile(r"<link\b[^>]*>\s*", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([a-zA-Z-]+)\s*=\s*"([^"]*)"')
IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)["']?\s*\)?\s*([^;]*);""")
URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
CHARSET = re.compile(r'@charset\s+"[^"]*"\s*;')
SOURCE_MAP = re.compile(r"/\*[#@]\s*sourceMappingURL=[^*]*\*/")
PURGECSS_VERSION = "8."
PURGE_SCRIPT = Path(__file__).resolve().parent / "purge.mjs"
PURGE_TIMEOUT = 300


class BundleError(ValueError):
    """A stylesheet cannot be bundled (missing file, remote or conditional import)."""


def _is_local(url: str) -> bool:
    return not re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//|#|/)", url)


def stylesheet_links(head: str) -> list[tuple[str, str, str]]:
    """``(tag, prefix, path)`` of each bundlable stylesheet link in ``head``, in order.

    ``path`` is the file's path under ``_static/`` (no query); ``prefix`` is what comes
    before ``_static/`` in the href (``../``, or the 404 page's absolute site path).
    """
    found = []
    for match in LINK.finditer(head):
        attributes = {k.lower(): v for k, v in ATTRIBUTE.findall(match.group(0))}
        if attributes.get("rel", "").lower() != "stylesheet":
            continue
        if attributes.get("media", "all").lower() not in ("all", ""):
            continue
        href = attributes.get("href", "").split("?", 1)[0].split("#", 1)[0]
        if STATIC not in href or href.startswith(("http:", "https:", "//")):
            continue
        prefix, path = href.split(STATIC, 1)
        found.append((match.group(0), prefix, path))
    return found


def css_text(static: Path, path: str, seen: tuple[str, ...] = ()) -> str:
    """The text of ``_static/<path>`` as it reads from ``_static/bundles/``.

    ``@import``\\s of local files are inlined (recursively), ``url()``\\s rewritten.
    """
    if path in seen:
        raise BundleError(f"stylesheet {path!r} imports itself (through {' -> '.join(seen)})")
    file = static / path
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BundleError(f"cannot read stylesheet {file}: {error}") from error
    folder = posixpath.dirname(path)

    def inline(match: re.Match) -> str:
        target, condition = match.group(1), match.group(2).strip()
        if not _is_local(target) or condition:
            raise BundleError(
                f"{path}: cannot bundle {match.group(0)!r} (only unconditional local imports)"
            )
        return css_text(static, posixpath.normpath(posixpath.join(folder, target)),
                        (*seen, path))

    def rebase(match: re.Match) -> str:
        quote, target = match.group(1), match.group(2).strip()
        if not _is_local(target):
            return match.group(0)
        moved = posixpath.relpath(posixpath.normpath(posixpath.join(folder, target)),
                                  BUNDLE_DIR)
        return f"url({quote}{moved}{quote})"

    text = SOURCE_MAP.sub("", CHARSET.sub("", text))
    text = IMPORT.sub(inline, text)
    return URL.sub(rebase, text)


def bundle_name(paths: list[str]) -> str:
    return hashlib.sha256("\n".join(paths).encode()).hexdigest()[:16] + ".css"


def bundle_text(static: Path, paths: list[str]) -> str:
    """The bundle of ``paths`` (under ``static``), each file headed by its name."""
    return "".join(f"/* {path} */\n{css_text(static, path).strip()}\n" for path in paths)


def common_prefix(lists: list[list[str]]) -> list[str]:
    """The longest list every one of ``lists`` starts with."""
    if not lists:
        return []
    prefix = lists[0]
    for other in lists[1:]:
        n = 0
        while n < min(len(prefix), len(other)) and prefix[n] == other[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def rewrite_head(html: str, links: list[tuple[str, str, str]], bundles: list[str]) -> str:
    """``html`` with ``links`` replaced by links to ``bundles`` (where the first one was)."""
    prefix = links[0][1]
    first = links[0][0]
    indent = re.search(r"\s*$", first).group(0) or "\n"
    new = "".join(
        f'<link rel="stylesheet" href="{prefix}{STATIC}{BUNDLE_DIR}/{name}" />{indent}'
        for name in bundles
    )
    end = html.index("</head>")
    head = html[:end].replace(first, new, 1)
    for tag, _, _ in links[1:]:
        head = head.replace(tag, "", 1)
    return head + html[end:]


def purge_unused_rules(css: str, outdir: Path, node_modules: Path) -> str:
    """``css`` without the rules whose selectors match nothing in the pages and scripts of
    the site built in ``outdir`` (PurgeCSS, from ``node_modules``; ``purge.mjs``).

    Raises :class:`BundleError` when PurgeCSS cannot run, so no page is changed.
    """
    outdir = Path(outdir)
    files = [*site_pages(outdir), *sorted((outdir / STATIC.rstrip("/")).rglob("*.js"))]
    try:
        result = run_node_script("PurgeCSS", PURGE_SCRIPT, node_modules,
                                 {"css": css, "files": [str(f) for f in files]},
                                 PURGE_TIMEOUT)
        return result["css"]
    except (ExtensionError, KeyError, TypeError) as error:
        raise BundleError(str(error)) from error


def bundle_site(outdir: Path, manifest_file: Path,
                purge: Callable[[str], str] | None = None) -> dict[str, list[str]]:
    """Bundle every page's stylesheets under ``outdir`` (see the module's docstring);
    returns ``{bundle: files}``, which is also written to ``manifest_file``. ``purge``,
    if given, is applied to the text of the bundle every page shares."""
    outdir = Path(outdir)
    static = outdir / STATIC.rstrip("/")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    fresh: dict[Path, tuple[str, list]] = {}
    lists: list[list[str]] = []
    bundles: dict[str, list[str]] = {}
    linked: set[str] = set()  # every bundle some page links, whatever this build does
    for page in site_pages(outdir):
        html = page.read_text(encoding="utf-8")
        end = html.find("</head>")
        links = stylesheet_links(html[:end]) if end >= 0 else []
        names = [path.split("/", 1)[1] for _, _, path in links
                 if path.startswith(f"{BUNDLE_DIR}/")]
        linked.update(names)
        if names:
            # A page this build left alone (already bundled): keep its bundles up to date.
            if all(name in manifest for name in names):
                bundles.update((name, manifest[name]) for name in names)
                lists.append([path for name in names for path in manifest[name]])
        elif len(links) >= 2 and len({prefix for _, prefix, _ in links}) == 1:
            fresh[page] = (html, links)
            lists.append([path for _, _, path in links])
    shared = common_prefix(lists)
    pages: dict[Path, list[str]] = {}
    for page, (_, links) in fresh.items():
        paths = [path for _, _, path in links]
        parts = [shared, paths[len(shared):]] if shared else [paths]
        pages[page] = [bundle_name(part) for part in parts if part]
        bundles.update((bundle_name(part), part) for part in parts if part)
    # Every bundle is made before anything is written: a style sheet that cannot be
    # bundled (BundleError) leaves every page with its own links.
    texts = {name: bundle_text(static, paths) for name, paths in sorted(bundles.items())}
    shared_name = bundle_name(shared) if shared else None
    if purge is not None and shared_name in texts:
        texts[shared_name] = purge(texts[shared_name])
    for name, text in texts.items():
        write_atomically(static / BUNDLE_DIR / name, text.encode("utf-8"))
    for page, names in pages.items():
        html, links = fresh[page]
        write_atomically(page, rewrite_head(html, links, names))
    write_atomically(manifest_file, json.dumps(bundles, indent=1, sort_keys=True))
    # Bundles of earlier builds that no page links any more (their names are checksums
    # of their file lists, so each change of a page's style sheets left one behind).
    keep = linked | set(bundles)
    for old in sorted((static / BUNDLE_DIR).glob("*.css")):
        if old.name not in keep:
            old.unlink()
    return bundles


def bundle_stylesheets(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: bundle the stylesheets of the pages just written."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    node_modules = find_node_package("theme_fixes", app.confdir,
                                     app.config.theme_fixes_node_modules, "purgecss",
                                     PURGECSS_VERSION).parent

    def purge(css: str) -> str:
        return purge_unused_rules(css, outdir, node_modules)

    try:
        bundle_site(outdir, Path(app.doctreedir) / MANIFEST, purge)
    except BundleError as error:  # the pages keep their own links
        logger.warning(f"theme_fixes: {error}")
