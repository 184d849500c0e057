"""Every page of the built book, opened in headless Chromium from a local server:
no request leaves the machine, nothing logs an error, the math is typeset, and
axe-core finds no critical or serious accessibility problem."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from browser_site import ROOT, built_pages, collected_pages, describe_violations, page_css

pytestmark = pytest.mark.browser

# TeX that Temml should have replaced at build time: delimiters, environments, commands.
RAW_TEX = re.compile(
    r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\end\{|\\frac\{|"
    r"\\(?:eta|alpha|theta|nabla|partial|mathbf|mathcal|sum|cdot|leftarrow)\b|"
    r"(?<![\w$])\$[^$\s][^$\n]*\$(?![\w$])"
)

MATH_STATE = r"""() => {
    const main = document.querySelector('main') || document.body;
    const clone = main.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, template, textarea, math, '
                           + '.highlight').forEach(e => e.remove());
    const math = Array.from(document.querySelectorAll('.math'));
    const fonts = performance.getEntriesByType('resource').map(r => r.name)
        .filter(name => /\.(woff2?|ttf)(\?|$)/.test(name));
    const mathFont = Array.from(document.fonts).filter(f => /Math/.test(f.family));
    return {
        text: clone.textContent,
        math: math.length,
        typeset: math.filter(e => e.querySelector('math annotation')).length,
        drawn: Array.from(document.querySelectorAll('math')).filter(
            m => getComputedStyle(m).fontFamily.includes('NotoSans Math')).length,
        scripts: Array.from(document.scripts).map(s => s.src)
            .filter(s => /mathjax|katex|temml/i.test(s)),
        fonts: fonts,
        mathFontsLoaded: mathFont.filter(f => f.status === 'loaded').length,
        mathFontsFailed: mathFont.filter(f => f.status === 'error').length,
    };
}"""

AXE_REPORT = ROOT / "artifacts" / "axe"


def test_every_built_page_is_checked(site_dir):
    """Pages are collected from the table of contents (and the built site, if any);
    a page the build makes that no test opened would go unchecked."""
    unchecked = sorted(set(built_pages(site_dir)) - set(collected_pages()))
    assert not unchecked, f"pages built but not collected (run pytest again): {unchecked}"


def test_page_loads_offline_without_errors(site_visit):
    visit = site_visit
    assert len(visit.external) == 0, (
        f"{len(visit.external)} request(s) to non-loopback hosts (blocked): {visit.external}"
    )
    assert visit.problems == []


def test_math_is_typeset(site_visit, site_page):
    """Every formula was typeset at build time (MathML, which the browser draws and screen
    readers read) and is drawn in the book's math font; the page runs no math script and
    fetches its fonts from the site itself. (Formulas Temml cannot typeset fail the build,
    so they are not looked for here.)"""
    state = site_visit.page.evaluate(MATH_STATE)
    leftovers = sorted({m.group(0) for m in RAW_TEX.finditer(state["text"])})
    assert not leftovers, f"raw TeX left in the text of {site_page}: {leftovers}"
    assert state["scripts"] == [], f"{site_page} loads a math script: {state['scripts']}"
    assert state["typeset"] == state["math"], (
        f"{state['math'] - state['typeset']} of {state['math']} math elements not typeset"
    )
    assert state["mathFontsFailed"] == 0
    if state["math"]:
        assert state["mathFontsLoaded"] > 0, "the page has math but no math font loaded"
        assert state["drawn"] == state["typeset"], "formulas not drawn in the math font"
    assert all("/_static/" in font for font in state["fonts"]), state["fonts"]


def test_the_book_has_math_served_by_itself(site_dir, pages_with):
    """The math check above must have something to check; Temml's style sheet and the math
    font are in the site, linked from the pages with math and only from those."""
    math_pages = pages_with('class="math')
    assert math_pages, "no page of the built book contains math"
    assert (site_dir / "_static" / "temml" / "temml.css").is_file()
    assert (site_dir / "_static" / "temml" / "NotoSansMath.woff2").is_file()
    for page in built_pages(site_dir):
        html = (site_dir / page).read_text(encoding="utf-8")
        has_math = 'class="math' in html
        # the style sheets come in bundles (theme_fixes/css_bundles.py)
        assert ("/* temml/temml.css */" in page_css(site_dir, html)) == has_math, (
            page, has_math)


# A display formula whose line starts left of its box cannot be scrolled back to: on a
# phone its first symbols are simply gone.
CLIPPED_FORMULAS = """() => Array.from(document.querySelectorAll('div.math')).filter(div => {
    const line = div.querySelector('.math-display > math');
    if (!line) return false;
    const box = div.getBoundingClientRect(), start = line.getBoundingClientRect();
    return start.left < box.left - 1 || line.parentElement.scrollLeft !== 0;
}).map(div => div.querySelector('annotation')?.textContent?.slice(0, 60))"""


def test_wide_formulas_scroll_from_their_start_on_a_phone(open_page, pages_with):
    """At 375 px a formula wider than the column is scrollable from its first symbol (the
    theme's flex layout used to cut both of its ends off)."""
    pages = pages_with('class="math-display"')
    assert pages
    for page in pages:
        visit = open_page(page, viewport={"width": 375, "height": 812})
        wide = visit.page.evaluate("""() => Array.from(document.querySelectorAll(
            '.math-display')).filter(l => l.scrollWidth > l.clientWidth + 1).length""")
        clipped = visit.page.evaluate(CLIPPED_FORMULAS)
        assert clipped == [], f"{page}: formulas cut at the left on a phone: {clipped}"
        # offline_math/math.js: a formula box that scrolls can be focused (and so scrolled
        # from the keyboard); one that fits is no tab stop. It reads the widths after the
        # browser's layout (a ResizeObserver), so TAB_STOPS gives it frames to answer; then
        # again on a wide screen, where the formulas that scrolled on the phone fit and lose
        # their stop.
        for width in (375, 1280):
            visit.page.set_viewport_size({"width": width, "height": 812})
            stops = visit.page.evaluate(TAB_STOPS)
            assert all(tab == (0 if scrolls else -1) for scrolls, tab in stops), (
                page, width, stops)
            if width == 375:
                scrolled_on_phone = sum(scrolls for scrolls, _ in stops)
            elif "w3d5" in page:
                assert sum(scrolls for scrolls, _ in stops) < scrolled_on_phone
        if "w3d5" in page:
            assert wide > 0  # the check had something to check: some formulas do scroll
        visit.page.context.close()


TAB_STOPS = """async () => {
    // Each box's scrolling (read now, which lays the page out) and its tab index (set by
    // math.js's ResizeObserver after the browser's own layout). They may disagree for a few
    // frames after a resize: the theme's sidebars move with CSS transitions and scripts,
    // and the observer answers only after the frame that laid them out. So read every frame
    // until they agree, for at most 3 s; a script that answers wrongly or never still fails.
    await document.fonts.ready;
    const read = () => Array.from(document.querySelectorAll('.math-display')).map(
        b => [b.scrollWidth > b.clientWidth + 1, b.tabIndex]);
    const agree = (stops) => stops.every(([scrolls, tab]) => tab === (scrolls ? 0 : -1));
    const until = performance.now() + 3000;
    let stops = read();
    for (let i = 0; i < 2 || (!agree(stops) && performance.now() < until); i++) {
        await new Promise(requestAnimationFrame);
        stops = read();
    }
    return stops;
}"""


PUNCTUATION_ALONE = r"""() => Array.from(document.querySelectorAll('span.math')).filter(m => {
    if (m.closest('.math-display')) return false;
    const wrap = m.parentElement.classList.contains('math-nowrap') ? m.parentElement : m;
    const next = wrap === m ? m.nextSibling : m.nextSibling || null;
    if (!next || next.nodeType !== 3 || !/^[.,;:)!?]/.test(next.data)) return false;
    const range = document.createRange();
    range.setStart(next, 0); range.setEnd(next, 1);
    const mark = range.getBoundingClientRect(), formula = m.getBoundingClientRect();
    return mark.top > formula.bottom - 4 || mark.left < formula.left;
}).map(m => m.querySelector('annotation')?.textContent?.slice(0, 40))"""


def test_pages_read_on_a_narrow_phone_without_sliding_sideways(browser, base_url, pages_with):
    """At 360 px no page is wider than the screen (long inline code names, a long word in
    a title and the hover-only heading permalink used to push three pages to 370-413 px),
    and no comma or full stop after an inline formula starts a line (offline_math glues
    them: span.math-nowrap; without it, 16 did at this width)."""
    pages = pages_with('class="bd-article"')
    assert len(pages) > 20
    glued = 0
    context = browser.new_context(viewport={"width": 360, "height": 800})
    try:
        tab = context.new_page()  # one tab for all pages: this test reads layout only
        for page in pages:
            tab.goto(base_url + page, wait_until="load")
            tab.evaluate("async () => { await document.fonts.ready; }")
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{page} is {width} px wide on a 360 px phone"
            alone = tab.evaluate(PUNCTUATION_ALONE)
            assert alone == [], f"{page}: a line starts with the punctuation after {alone}"
            glued += tab.evaluate("document.querySelectorAll('.math-nowrap').length")
    finally:
        context.close()
    assert glued > 100  # the check had something to check


def test_the_sidebar_buttons_work_on_a_phone_and_on_a_wide_screen(open_page, site_dir,
                                                                  pages_with, screenshot):
    """The buttons above the article open the site navigation and the page's contents on a
    phone (the theme's dialogs) and fold the navigation away on a wide screen. They did
    nothing while the theme's hidden header had buttons of the same classes, which both
    themes' scripts bound instead (theme_fixes/templates/layout.html)."""
    for page in pages_with('class="bd-article"'):
        html = (site_dir / page).read_text(encoding="utf-8")
        assert html.count("primary-toggle") == 1, page
        assert html.count("secondary-toggle") <= 1, page
    page = next(p for p in pages_with("secondary-toggle") if "w3d4" in p)
    visit = open_page(page, viewport={"width": 375, "height": 812})
    tab = visit.page
    for button, dialog in ((".primary-toggle", "#pst-primary-sidebar-modal"),
                           (".secondary-toggle", "#pst-secondary-sidebar-modal")):
        tab.locator(button).click()
        tab.wait_for_function(f"document.querySelector('{dialog}').open", timeout=10_000)
        links = tab.locator(f"{dialog} a").filter(visible=True)
        assert links.count() >= 5, (button, links.count())
        screenshot(tab, f"phone-{button.strip('.')}-{page}")
        tab.keyboard.press("Escape")
        tab.wait_for_function(f"!document.querySelector('{dialog}').open", timeout=10_000)
    tab.set_viewport_size({"width": 1280, "height": 900})
    sidebar = tab.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    tab.locator(".primary-toggle").click()
    # folded away (the theme slides it out, then hides it), not opened as a dialog
    sidebar.wait_for(state="hidden", timeout=10_000)
    assert not tab.evaluate("document.querySelector('#pst-primary-sidebar-modal').open")
    tab.locator(".primary-toggle").click()
    sidebar.wait_for(state="visible", timeout=10_000)
    assert visit.problems == []


FOCUSED = """() => { const e = document.activeElement, s = getComputedStyle(e);
    return [e.tagName + '.' + (e.className || '').toString().split(' ')[0],
            (e.textContent || '').trim().slice(0, 30), s.outlineStyle,
            parseFloat(s.outlineWidth), s.boxShadow]; }"""


def test_keyboard_focus_shows_the_themes_ring(open_page, pages_with):
    """Tabbing from the top of a chapter, every element that takes focus shows the theme's
    focus indicator: its 3 px outline, or the box shadow some controls draw instead, not
    only the browser's thin default. (The shared style sheet is cut to the rules the site
    uses; the theme's ring for every element is a rule of one pseudo-class,
    ``:focus-visible``, which the cut dropped until it was safelisted.)"""
    page = next(p for p in pages_with('class="bd-article"') if "w3d4" in p)
    tab = open_page(page, viewport={"width": 1280, "height": 900}).page
    seen = []
    for _ in range(10):
        tab.keyboard.press("Tab")
        element, text, style, width, shadow = tab.evaluate(FOCUSED)
        seen.append(element)
        themed = (style == "solid" and width >= 2) or shadow != "none"
        assert themed, f"{page}: {element} ({text!r}) shows only {style} {width}px on focus"
    assert any("navbar-brand" in e for e in seen), seen  # the logo link was among them


def test_font_awesome_fonts_hold_only_the_glyphs_the_css_names(site_dir):
    """The theme's icon fonts are cut to the few glyphs its CSS draws (admonition titles,
    breadcrumbs); every one of those is still in the font."""
    import sys

    from fontTools.ttLib import TTFont

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from theme_fixes.icons import FONTS_DIR, glyphs_named

    named = set()
    for sheet in (site_dir / "_static").rglob("*.css"):
        named |= glyphs_named(sheet.read_text(encoding="utf-8"))
    assert 0xF303 in named  # the pencil of the exercise boxes' titles
    import pydata_sphinx_theme

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    for name in ("fa-solid-900.woff2", "fa-brands-400.woff2", "fa-regular-400.woff2"):
        cut = site_dir.joinpath(*FONTS_DIR, name)
        whole = next((theme / "static").rglob(name))
        assert cut.stat().st_size < 8_000 < whole.stat().st_size, (name, cut.stat().st_size)
        kept, had = set(TTFont(cut).getBestCmap()), set(TTFont(whole).getBestCmap())
        assert named & had <= kept, f"{name} lost {sorted(map(hex, named & had - kept))}"
        if name.startswith("fa-solid"):
            cmap = kept
    assert 0xF303 in cmap


def test_what_the_page_fetches_fonts_included_is_within_the_budget(site_visit, site_dir,
                                                                   site_page):
    """Issue 12's budget, measured the way a browser loads the page: every file Chromium
    fetched until the page was loaded and its fonts were in (HTML, CSS, JS, fonts, images),
    gzip-compressed as a static host sends text. Not counted: the figures marked
    ``loading="lazy"`` (below the first screen), which Chromium also fetches early when
    the connection is fast."""
    from urllib.parse import unquote, urlsplit

    from test_page_weight import BUDGET, gzipped_size, lazy_images

    lazy = lazy_images(site_dir / site_page)
    files = {}
    for url in site_visit.fetched:
        path = site_dir / unquote(urlsplit(url).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if path.is_file() and path.resolve() not in lazy:
            files[path.relative_to(site_dir).as_posix()] = gzipped_size(path)
    assert any(name.endswith(".html") for name in files), site_visit.fetched
    total = sum(files.values())
    heaviest = sorted(files.items(), key=lambda kv: -kv[1])[:5]
    assert total <= BUDGET, f"{site_page}: {total / 1024:.0f} KiB gzipped; heaviest {heaviest}"


def test_no_critical_or_serious_accessibility_problems(site_visit, run_axe, site_page):
    violations = run_axe(site_visit.page)
    AXE_REPORT.mkdir(parents=True, exist_ok=True)
    report = [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"]}
        for v in violations
    ]
    name = site_page.replace("/", "__").removesuffix(".html")
    (AXE_REPORT / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n")
    bad = [v for v in violations if v["impact"] in {"critical", "serious"}]
    assert not bad, describe_violations(bad)


# For each sample block: how its text is drawn (colour, weight, slant, line; no background
# of its own), and for each class how a token of that class, put in for the check, is.
CODE_TOKENS = """(classes) => Array.from(document.querySelectorAll('div.highlight pre'))
    .filter((pre, i, all) => i < 6 || i === all.length - 1).map(pre => {
        const look = (e, background) => { const s = getComputedStyle(e); return [s.color,
            s.fontWeight, s.fontStyle, s.textDecorationLine, background || s.backgroundColor]
            .join(' '); };
        const drawn = classes.map(name => {
            const span = document.createElement('span');
            span.className = name; span.textContent = 'x';
            pre.appendChild(span);
            const it = look(span);
            span.remove();
            return [name, it];
        });
        return [look(pre, 'rgba(0, 0, 0, 0)'), drawn];
    })"""


def test_code_tokens_without_a_span_look_like_those_with_one(open_page, site_dir):
    """theme_fixes/highlighting.py writes names, punctuation and whitespace without their
    ``<span>`` because the highlighting styles draw them like the block's text. In the
    browser, with the site's real style sheets, in light and dark mode: a token of each of
    those classes looks exactly like the block's own text (the theme's ``pre`` colour once
    drew that text in another grey: theme_fixes/code.css), and the chapter has none of
    those spans left."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from theme_fixes.highlighting import unstyled_classes

    classes = sorted(unstyled_classes(["a11y-high-contrast-light", "a11y-high-contrast-dark"]))
    assert {"n", "p", "w"} <= set(classes)
    page = "chapters/gd-variants.html"
    visit = open_page(page, viewport={"width": 1280, "height": 900})
    left = visit.page.evaluate(
        "(names) => names.filter(n => document.querySelector('div.highlight span.' + n))",
        classes,
    )
    assert left == [], f"{page} still has spans of {left}"
    for mode in ("light", "dark"):
        visit.page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
        blocks = visit.page.evaluate(CODE_TOKENS, classes)
        assert len(blocks) == 7
        for text, drawn in blocks:
            assert all(it == text for _, it in drawn), (mode, text, drawn)
        # and the check can tell: an operator is drawn in its own colour
        assert visit.page.evaluate(CODE_TOKENS, ["o"])[0][1][0][1] != blocks[0][0]
