"""Every page of the built book, opened in headless Chromium from a local server:
no request leaves the machine, nothing logs an error, the math is typeset, and
axe-core finds no critical or serious accessibility problem."""

from __future__ import annotations

import json
import re

import pytest
from browser_site import ROOT, built_pages, collected_pages, describe_violations

pytestmark = pytest.mark.browser

# TeX that MathJax should have replaced: delimiters, environments, common commands.
RAW_TEX = re.compile(
    r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\end\{|\\frac\{|"
    r"\\(?:eta|alpha|theta|nabla|partial|mathbf|mathcal|sum|cdot|leftarrow)\b|"
    r"(?<![\w$])\$[^$\s][^$\n]*\$(?![\w$])"
)

MATH_STATE = """() => {
    const main = document.querySelector('main') || document.body;
    const clone = main.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, template, textarea, mjx-container, '
                           + '.highlight').forEach(e => e.remove());
    const math = Array.from(document.querySelectorAll('.math'));
    return {
        text: clone.textContent,
        math: math.length,
        typeset: math.filter(e => e.querySelector('mjx-container')).length,
        containers: document.querySelectorAll('mjx-container').length,
        mathjax: Array.from(document.scripts).map(s => s.src).filter(s => /mathjax/i.test(s)),
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
    state = site_visit.page.evaluate(MATH_STATE)
    leftovers = sorted({m.group(0) for m in RAW_TEX.finditer(state["text"])})
    assert not leftovers, f"raw TeX left in the text of {site_page}: {leftovers}"
    if state["math"]:
        assert state["mathjax"], "the page has math but loads no MathJax"
        assert all("/_static/mathjax/" in src for src in state["mathjax"]), state["mathjax"]
        assert state["typeset"] == state["math"], (
            f"{state['math'] - state['typeset']} of {state['math']} math elements not typeset"
        )
        assert state["containers"] >= state["math"]


def test_the_book_has_math_served_by_itself(site_dir, pages_with):
    """The math check above must have something to check, and MathJax must be local."""
    math_pages = pages_with('class="math')
    assert math_pages, "no page of the built book contains math"
    assert (site_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert any((site_dir / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    for page in math_pages:
        html = (site_dir / page).read_text(encoding="utf-8")
        assert re.search(r'<script [^>]*src="[^"]*_static/mathjax/tex-chtml\.js', html), page


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
