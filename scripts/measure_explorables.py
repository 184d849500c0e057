"""Measure the explorables in the built book: bytes each adds, and speed in headless Chromium.

Usage (after `make book`)::

    .venv/bin/python scripts/measure_explorables.py [--site book/_build/html] [--seconds 3]

Prints, for each explorable:

* the bytes its page loads for it (the shared style sheet and scripts, its core, its
  data and its widget), raw and gzip-compressed, as a host that compresses would send;
* while it animates: frames per second (requestAnimationFrame callbacks per second of
  wall time) and steps per second, both in the widget as the reader sees it, and
  raw, from its core with no drawing;
* for the one-weight figure, the time to redraw after each pointer move of a drag.

A measurement, not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from browser_site import CHROMIUM_FLAGS as FLAGS  # noqa: E402
from explorables.explorables import KINDS, SHARED_FILES, STYLE  # noqa: E402

# counts requestAnimationFrame callbacks from now on, for the fps figures
FRAME_COUNTER = """() => {
    window.__frames = 0;
    const tick = () => { window.__frames += 1; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
}"""


# median and 95th percentile of a widget's recorded script time per update (ms)
FRAME_WORK = """(root) => {
    const t = (root.gdxFrameMs || []).slice().sort((a, b) => a - b);
    return t.length ? {n: t.length, median: t[Math.floor(t.length / 2)],
                       p95: t[Math.min(t.length - 1, Math.floor(t.length * 0.95))]} : null;
}"""


def describe_work(work) -> str:
    if not work:
        return "no updates recorded"
    return (f"script work per update {work['median']:.1f} ms median, {work['p95']:.1f} ms "
            f"95th percentile over {work['n']} updates")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def asset_bytes(site: Path) -> None:
    assets = site / "_static" / "_explorables"
    shared = [STYLE, *SHARED_FILES]
    print("Bytes each explorable adds to its page (raw / gzip -9):")
    for kind, (stem, _) in KINDS.items():
        names = shared + [f"{stem}_core.js", f"{kind}-data.js", f"{stem}_widget.js"]
        raw = sum((assets / n).stat().st_size for n in names)
        packed = sum(len(gzip.compress((assets / n).read_bytes(), 9)) for n in names)
        print(f"  {kind:15s} {raw:7,d} B / {packed:6,d} B gzipped  ({', '.join(names)})")
    common = sum(len(gzip.compress((assets / n).read_bytes(), 9)) for n in shared)
    print(f"  (of which shared by all three: {common:,d} B gzipped)")


def page_with(site: Path, kind: str) -> str:
    for page in sorted(site.glob("chapters/*.html")):
        if f'data-kind="{kind}"' in page.read_text(encoding="utf-8"):
            return page.relative_to(site).as_posix()
    raise SystemExit(f"no page of {site} has the {kind} explorable")


def open_widget(browser, url: str, kind: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page.goto(url)
    page.locator(f'.gd-explorable[data-kind="{kind}"]').first.scroll_into_view_if_needed()
    root = page.locator(f'.gd-explorable[data-kind="{kind}"][data-gdx-ready]')
    root.wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)  # let the page settle before timing anything
    root.scroll_into_view_if_needed()
    return page, root


def one_weight(browser, url: str, seconds: float) -> None:
    page, root = open_widget(browser, url, "one-weight")
    steps = root.get_by_role("slider", name="Steps")
    steps.focus()
    page.keyboard.press("End")  # 100 steps to animate
    result = page.evaluate(
        """async ([frameCounter, seconds]) => {
            const root = document.querySelector('.gd-explorable[data-kind="one-weight"]');
            const button = root.querySelector('.gdx-animate');
            (new Function('return ' + frameCounter))()();
            root.gdxFrameMs = [];
            const t0 = performance.now();
            button.click();
            let shown = 0;
            while (root.gdxState().animating && performance.now() - t0 < seconds * 1000) {
                await new Promise(r => requestAnimationFrame(r));
                shown = Math.max(shown, root.gdxState().shown || 0);
            }
            if (!root.gdxState().animating) shown = 100; // finished: every step was shown
            const wall = (performance.now() - t0) / 1000;
            if (root.gdxState().animating) button.click();
            // raw: the core, no drawing
            const core = window.GDExplorables.oneWeight;
            const data = core.parseData(window.GDExplorables.data['one-weight']);
            let n = 0;
            const r0 = performance.now();
            while (performance.now() - r0 < 1000) { core.descend(data, 0.5, 0.1, 100); n += 100; }
            const raw = n / ((performance.now() - r0) / 1000);
            return {fps: window.__frames / wall, steps: shown / wall, raw: raw};
        }""",
        [FRAME_COUNTER, seconds],
    )
    animate_work = root.evaluate(FRAME_WORK)
    root.evaluate("root => { root.gdxFrameMs = []; }")
    # dragging: redraw time per pointer move
    canvas = root.locator("canvas.gdx-curve")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + 100)
    page.mouse.down()
    timings = page.evaluate(
        """async ([x0, x1, y]) => {
            const canvas = document.querySelector('canvas.gdx-curve');
            const times = [];
            for (let i = 0; i <= 60; i++) {
                const t = performance.now();
                canvas.dispatchEvent(new PointerEvent('pointermove', {
                    clientX: x0 + (x1 - x0) * i / 60, clientY: y, pointerId: 1, bubbles: true}));
                times.push(performance.now() - t);
            }
            times.sort((a, b) => a - b);
            return {median: times[30], worst: times[60]};
        }""",
        [box["x"] + box["width"] * 0.2, box["x"] + box["width"] * 0.8, box["y"] + 100],
    )
    page.mouse.up()
    drag_work = root.evaluate(FRAME_WORK)
    print(f"one-weight: animating 100 steps: {result['fps']:.0f} frames/s, "
          f"{result['steps']:.0f} steps/s shown (the widget paces itself at 20 steps/s); "
          f"core alone {result['raw']:,.0f} steps/s; {describe_work(animate_work)}")
    print(f"            drag: {timings['median']:.2f} ms median, {timings['worst']:.2f} ms worst "
          f"per pointer move event; {describe_work(drag_work)}")
    page.close()


def surface_race(browser, url: str, seconds: float) -> None:
    page, root = open_widget(browser, url, "surface-race")
    for name in ("bowl", "rosenbrock"):
        root.get_by_label("Surface").select_option(name)
        result = page.evaluate(
            """async ([frameCounter, seconds]) => {
                const root = document.querySelector('.gd-explorable[data-kind="surface-race"]');
                (new Function('return ' + frameCounter))()();
                root.gdxFrameMs = [];
                const t0 = performance.now();
                root.querySelector('.gdx-race').click();
                while (root.gdxState().running && performance.now() - t0 < seconds * 1000) {
                    await new Promise(r => requestAnimationFrame(r));
                }
                const wall = (performance.now() - t0) / 1000;
                const race = root.gdxState().race;
                const steps = race.runners.reduce((s, r) => s + r.t, 0);
                // raw: the same race in the core, no drawing
                const core = window.GDExplorables.surfaceRace;
                const data = core.parseData(window.GDExplorables.data['surface-race']);
                const state = root.gdxState();
                let n = 0;
                const r0 = performance.now();
                while (performance.now() - r0 < 1000) {
                    const again = new core.Race(data, state.surface, state.start, state.settings);
                    n += again.run(100000);
                }
                return {fps: window.__frames / wall, steps: steps / wall, wall: wall,
                        raw: n / ((performance.now() - r0) / 1000)};
            }""",
            [FRAME_COUNTER, seconds],
        )
        work = root.evaluate(FRAME_WORK)
        print(f"surface-race ({name}): {result['fps']:.0f} frames/s while racing, "
              f"{result['steps']:,.0f} optimizer steps/s shown "
              f"(race over in {result['wall']:.1f} s); "
              f"core alone {result['raw']:,.0f} steps/s; {describe_work(work)}")
    page.close()


def backprop_steps(browser, url: str) -> None:
    page, root = open_widget(browser, url, "backprop-steps")
    result = page.evaluate(
        """async () => {
            const root = document.querySelector('.gd-explorable[data-kind="backprop-steps"]');
            const next = root.querySelector('.gdx-next');
            const handler = [];
            const frame = [];
            while (!next.disabled) {
                const t = performance.now();
                next.click();
                document.body.offsetHeight; // layout included
                handler.push(performance.now() - t);
                await new Promise(r => requestAnimationFrame(r));
                frame.push(performance.now() - t);
            }
            const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
            return {handler: median(handler), worst: Math.max(...handler), frame: median(frame)};
        }"""
    )
    print(f"backprop-steps: Next, handler and layout {result['handler']:.1f} ms median, "
          f"{result['worst']:.1f} ms worst; to the next frame {result['frame']:.1f} ms median "
          "(no animation: one frame per press)")
    page.close()


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "book" / "_build" / "html")
    parser.add_argument("--seconds", type=float, default=6.0, help="longest animation measured")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    asset_bytes(args.site)
    print(f"Machine load (1-minute average) before timing: {load_average()}; "
          "frames/s and steps/s fall when other work shares the cores, the script work "
          "per update much less so.")
    handler = functools.partial(QuietHandler, directory=str(args.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            one_weight(browser, base + page_with(args.site, "one-weight"), args.seconds)
            surface_race(browser, base + page_with(args.site, "surface-race"), args.seconds)
            backprop_steps(browser, base + page_with(args.site, "backprop-steps"))
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
