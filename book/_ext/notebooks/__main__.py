"""Write every chapter's student and solutions notebooks (used by ``binder/postBuild``).

    PYTHONPATH=book/_ext python -P -m notebooks --book book --out notebooks

Each notebook chapter is executed first, from its own folder, with the settings of the
book build (see :func:`notebooks.execute.execute_chapter`), so that the glued numbers are
computed the way the page computed them. ``--executed DIR`` takes already executed
notebooks (``DIR/<docname>.ipynb``, e.g. ``book/_build/jupyter_execute``) instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import write_chapter_notebooks
from .book import build_index, read_front_matter
from .convert import ConversionError
from .execute import execute_chapter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notebooks", description=__doc__.split("\n")[0])
    parser.add_argument("--book", type=Path, default=Path("book"), help="the book folder")
    parser.add_argument("--out", type=Path, default=Path("notebooks"), help="output folder")
    parser.add_argument("--executed", type=Path, help="folder of executed notebooks")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("chapters", nargs="*", help="docnames (default: every notebook page)")
    args = parser.parse_args(argv)

    index = build_index(args.book)
    docs = args.chapters or sorted(index.notebook_docs)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = []
    for doc in docs:
        source = args.book / f"{doc}.md"
        meta, _ = read_front_matter(source.read_text(encoding="utf-8"))
        if "kernelspec" not in meta:
            parser.error(f"{doc} is not a notebook page")
        start = time.monotonic()
        glue = {}
        if args.executed:  # myst-nb keeps the glued values apart, in <doc>.glue.json
            import nbformat

            executed = nbformat.read(args.executed / f"{doc}.ipynb", as_version=4)
            glue_file = args.executed / f"{doc}.glue.json"
            if glue_file.is_file():
                glue = json.loads(glue_file.read_text(encoding="utf-8"))
        else:
            executed = execute_chapter(source, timeout=args.timeout)
        try:
            paths = write_chapter_notebooks(executed, doc, index, args.out,
                                            source_dir=source.parent, glue=glue)
        except ConversionError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            failed.append(doc)
            continue
        print(f"{doc}: {', '.join(p.name for p in paths)} ({time.monotonic() - start:.0f} s)",
              flush=True)
    if failed:
        print(f"no notebooks for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
