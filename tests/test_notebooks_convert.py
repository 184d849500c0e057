"""Unit tests of the notebook converter (book/_ext/notebooks) on small synthetic notebooks.

Each test builds a tiny book index and an "executed" notebook by hand, converts it, and
reads the result the way a student's Notebook would: the Markdown cells' text and the
code cells. Fast: no kernel, no Sphinx.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest

EXT_DIR = Path(__file__).resolve().parents[1] / "book" / "_ext"
sys.path.insert(0, str(EXT_DIR))

from notebooks import binder_url, write_chapter_notebooks  # noqa: E402
from notebooks.book import build_index, site_url, toc_docs  # noqa: E402
from notebooks.convert import (  # noqa: E402
    Chapter,
    ConversionError,
    derive_notebooks,
    evaluate_only,
    format_plain_text,
    python_object_source,
)
from notebooks.myst import BookIndex, index_document, parse_blocks  # noqa: E402

DOC = "chapters/one"
SITE = "https://example.org/book/"
PNG = base64.b64encode(b"\x89PNG fake").decode()


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(source: str, outputs=(), tags=()) -> dict:
    meta = {"tags": list(tags)} if tags else {}
    return {"cell_type": "code", "metadata": meta, "source": source,
            "outputs": list(outputs), "execution_count": 1}


def glue_output(key: str, data: dict) -> dict:
    return {"output_type": "display_data", "metadata": {"scrapbook": {
        "name": key, "mime_prefix": "application/papermill.record/"}},
        "data": {f"application/papermill.record/{k}": v for k, v in data.items()}}


def image_output() -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": PNG, "text/plain": "<Figure>"}}


def convert(cells, *, other_docs: dict[str, str] | None = None, counters=None):
    """(student, solutions) for a notebook whose Markdown cells form the page DOC."""
    index = BookIndex(site_url=SITE)
    counters = counters if counters is not None else {}
    for doc, text in (other_docs or {}).items():
        index_document(doc, text, index, counters)
    page = "\n\n".join(c["source"] for c in cells if c["cell_type"] == "markdown")
    index_document(DOC, page, index, counters)
    index.notebook_docs.add(DOC)
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return derive_notebooks(notebook, Chapter(DOC, index))


def markdown(nb: dict) -> str:
    return "\n\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")


def codes(nb: dict) -> list[str]:
    return [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]


RAW = re.compile(r"\{[a-z][\w:+-]*\}`|^\s*(```|:::)\s*\{|^\([\w-]+\)=$|^%|^:[a-z-]+:", re.M)


def test_glue_text_takes_the_executed_value_with_the_page_format():
    cells = [md("# One"),
             code("glue('w', w, display=False)",
                  [glue_output("w", {"text/plain": "2.06612345"})], tags=["remove-cell"]),
             md("Best $w =$ {glue:text}`w:.3f`, raw {glue}`w`.")]
    student, solutions = convert(cells)
    assert "Best $w =$ 2.066, raw 2.06612345." in markdown(student)
    assert codes(student) == []  # the remove-cell cell is gone
    assert not RAW.search(markdown(student)) and not RAW.search(markdown(solutions))


def test_format_plain_text_follows_myst_nb():
    assert format_plain_text("0.5", ".1e") == "5.0e-01"
    assert format_plain_text("'full MNIST'", "") == "full MNIST"
    assert format_plain_text("12", "d") == "12"


def test_missing_glue_key_is_an_error_naming_it():
    with pytest.raises(ConversionError, match="no glued value 'nope'"):
        convert([md("# One\n\nValue {glue:text}`nope`.")])


def test_convention_figure_is_drawn_by_its_visible_cell_and_captioned_once():
    cells = [md("# One"),
             code("fig = draw()\nfig", [image_output()], tags=["remove-output"]),
             code("glue('fig-a', fig, display=False)",
                  [glue_output("fig-a", {"image/png": PNG})], tags=["remove-cell"]),
             md("```{glue:figure} fig-a\n:name: fig-a\n:alt: A curve.\n\n"
                "The loss $L(w)$ as a *curve*.\n```\n\nAs {numref}`fig-a` shows.")]
    student, _ = convert(cells, counters={"figure": 2})  # two figures on earlier pages
    visible = [c for c in student["cells"] if c["cell_type"] == "code"]
    assert len(visible) == 1 and visible[0]["outputs"][0]["data"]["image/png"] == PNG
    text = markdown(student)
    assert "**Fig. 3.** The loss $L(w)$ as a *curve*." in text
    assert "As Fig. 3 shows." in text
    assert "attachment:" not in text  # not drawn a second time


def test_figure_drawn_in_a_hidden_cell_is_embedded_with_its_caption():
    cells = [md("# One"),
             code("fig = draw(); glue('fig-b', fig, display=False)",
                  [glue_output("fig-b", {"image/png": PNG})], tags=["remove-cell"]),
             md("```{glue:figure} fig-b\n:name: fig-b\n:alt: Steps [on] a curve.\n\nCaption.\n```")]
    student, _ = convert(cells)
    cell = next(c for c in student["cells"] if "attachments" in c)
    assert cell["attachments"] == {"fig-b.png": {"image/png": PNG}}
    assert "![Steps  on  a curve.](attachment:fig-b.png)" in cell["source"]
    assert "**Fig. 1.** Caption." in cell["source"]


EXERCISES = [
    md("# One\n\n(sec-ex)=\n## Exercises\n\n% a comment the page drops\n\n"
       "```{exercise} Find the edge\n:label: ex-edge\n\nFind $2/L''$.\n```\n\n"
       "```{solution-start} ex-edge\n:class: dropdown\n```\n\nSOLUTION PROSE for the edge."),
    code("print('solution code')", [{"output_type": "stream", "name": "stdout",
                                     "text": "solution code\n"}]),
    md("More SOLUTION PROSE.\n\n```{solution-end}\n```\n\n"
       "```{exercise} Other side\n:label: ex-side\n\nStart at 4.\n```\n\n"
       "```{solution} ex-side\n:class: dropdown\n\nTEXT SOLUTION, with {eq}`eq-a`.\n```\n\n"
       "$$\nx = 1\n$$ (eq-a)\n\nSee {ref}`sec-ex` and {ref}`ex-side`."),
]


def test_student_notebook_has_exercises_numbered_like_the_page_and_no_solutions():
    student, _ = convert(EXERCISES, counters={"exercise": 3})
    text = markdown(student)
    assert "### Exercise 4 (Find the edge)" in text
    assert "### Exercise 5 (Other side)" in text
    assert "SOLUTION" not in text and "solution code" not in "".join(codes(student))
    assert codes(student) == []
    assert text.count("(one-solutions.ipynb)") == 3  # banner + one pointer per exercise
    assert "a comment" not in text and "(sec-ex)=" not in text
    assert "$$\nx = 1\n\\tag{1}\n$$" in text
    assert "See [Exercises](#Exercises) and Exercise 5." in text
    assert not RAW.search(text)


def test_solutions_notebook_keeps_every_solution_under_its_exercise():
    _, solutions = convert(EXERCISES)
    text = markdown(solutions)
    assert "**Solution to Exercise 1 (Find the edge)**" in text
    assert "SOLUTION PROSE for the edge." in text and "More SOLUTION PROSE." in text
    assert "**Solution to Exercise 2 (Other side)**\n\nTEXT SOLUTION, with (1)." in text
    assert codes(solutions) == ["print('solution code')"]
    assert "(one.ipynb)" in text  # points back at the exercises notebook
    assert not RAW.search(text)
    # order: the solution code sits between the first solution's two paragraphs
    kinds = [(c["cell_type"], c["source"][:20]) for c in solutions["cells"]]
    at = kinds.index(("code", "print('solution code"))
    assert "SOLUTION PROSE for" in solutions["cells"][at - 1]["source"]
    assert solutions["cells"][at + 1]["source"].startswith("More SOLUTION PROSE.")


def test_quiz_shows_questions_and_a_link_never_the_key():
    quiz = ("```{quiz} q1\n:title: Check yourself\n\n"
            "- question: Which way does w move when $dL/dw < 0$?\n"
            "  choices:\n    - Left\n    - Right\n"
            "  answer: 1\n  explain: SECRET because the step is minus the slope.\n```")
    student, solutions = convert([md("# One\n\n## Quiz\n\n" + quiz)])
    for nb in (student, solutions):
        text = markdown(nb)
        assert "**Check yourself**" in text
        assert "1. Which way does w move when $dL/dw < 0$?\n    - Left\n    - Right" in text
        assert "SECRET" not in text and "answer:" not in text
        assert f"({SITE}chapters/one.html#quiz-q1)" in text


def test_admonitions_tabs_only_and_widgets():
    text = ("# One\n\n```{note}\nA note with {term}`learning rate <eta>`.\n```\n\n"
            "```{admonition} From here to production\n:class: tip\n\nScale.\n```\n\n"
            "::::{tab-set}\n:::{tab-item} gdcode\n```python\nfit()\n```\n:::\n"
            ":::{tab-item} PyTorch\nTorch words.\n:::\n::::\n\n"
            "```{only} html\nPress the rocket button.\n```\n\n"
            "```{only} notebook\nYou are in the notebook.\n```\n\n"
            "```{playground}\n:lr: 0.1\n```")
    student, _ = convert([md(text)])
    out = markdown(student)
    assert "> **Note**\n>\n> A note with learning rate." in out
    assert "> **From here to production**\n>\n> Scale." in out
    assert "**gdcode**\n\n```python\nfit()\n```" in out and "**PyTorch**\n\nTorch words." in out
    assert "rocket" not in out and "You are in the notebook." in out
    assert "**Interactive figure.**" in out and f"({SITE}chapters/one.html)" in out
    assert not RAW.search(out) and ":::" not in out


def test_cross_references_to_other_pages_link_to_the_published_page():
    other = "(sec-rates)=\n# Rates\n\n```{glue:figure} f\n:name: fig-rates\n\nRates.\n```\n"
    student, _ = convert(
        [md("# One\n\nSee {doc}`two`, {doc}`the other page <two>`, {ref}`sec-rates`, "
            "{numref}`fig-rates`, {numref}`Figure %s <fig-rates>`, "
            "{py:func}`~gdcode.fit` and [two](two.md#x).")],
        other_docs={"chapters/two": other})
    out = markdown(student)
    page = f"{SITE}chapters/two.html"
    assert (f"See [Rates]({page}), [the other page]({page}), [Rates]({page}#sec-rates), "
            f"[Fig. 1]({page}#fig-rates), [Figure 1]({page}#fig-rates), `fit` and "
            f"[two]({page}#x).") in out


def test_stderr_and_glue_outputs_are_dropped_and_outputs_kept():
    cells = [md("# One"),
             code("fit()", [{"output_type": "stream", "name": "stderr", "text": "\r"},
                            {"output_type": "stream", "name": "stdout", "text": "done\n"}])]
    student, _ = convert(cells)
    (cell,) = [c for c in student["cells"] if c["cell_type"] == "code"]
    assert cell["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "done\n"}]


def test_banner_sits_under_the_title():
    student, solutions = convert([md("# One\n\nFirst words.")])
    first = student["cells"][0]["source"]
    assert first.startswith("# One\n\n> **This notebook is the page**")
    assert first.endswith("First words.")
    assert "solutions" not in first  # no solutions: no link to a solutions notebook
    assert solutions["cells"][0]["source"].startswith("# One\n\n> **Solutions notebook.**")


def test_only_expressions():
    assert evaluate_only("notebook") and not evaluate_only("html")
    assert evaluate_only("not html") and evaluate_only("html or jupyter")
    assert not evaluate_only("html and notebook")


def test_binder_url_keeps_interface_and_other_parameters():
    url = "https://mybinder.org/v2/gh/o/r/main?urlpath=tree/book/chapters/x.md&x=1"
    assert binder_url(url, "notebooks", "x") == (
        "https://mybinder.org/v2/gh/o/r/main?urlpath=tree/notebooks/x.ipynb&x=1")
    lab = "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/book/chapters/x.md"
    assert binder_url(lab, "notebooks/", "x").endswith("urlpath=lab/tree/notebooks/x.ipynb")


def test_literalinclude_pyobject():
    source = ("class A:\n    @staticmethod\n    def f(x):\n        return x\n\n"
              "    def g(self):\n        pass\n")
    assert python_object_source(source, "A.f") == "@staticmethod\ndef f(x):\n    return x"
    with pytest.raises(ConversionError, match="no object 'A.h'"):
        python_object_source(source, "A.h")


def test_parse_blocks_nested_fences():
    blocks = parse_blocks("text\n\n::::{tab-set}\n:::{tab-item} A\nx\n:::\n::::\nafter")
    assert [type(b).__name__ for b in blocks] == ["Text", "Fence", "Text"]
    assert blocks[1].name == "tab-set" and ":::{tab-item} A" in blocks[1].content


def test_the_books_own_index_numbers_figures_through_the_book(tmp_path, monkeypatch):
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "_toc.yml").write_text("root: chapters/a\nparts:\n  - chapters:\n"
                                   "      - file: chapters/b\n")
    (book / "_config.yml").write_text("repository:\n  url: https://github.com/Org/repo\n")
    fig = "```{{glue:figure}} k{0}\n:name: fig-{0}\n\nC.\n```\n"
    (book / "chapters" / "a.md").write_text("# A\n\n" + fig.format(1))
    (book / "chapters" / "b.md").write_text(
        "---\nkernelspec:\n  name: python3\n---\n# B\n\n" + fig.format(2))
    monkeypatch.delenv("BOOK_SITE_URL", raising=False)
    monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    assert toc_docs(book) == ["chapters/a", "chapters/b"]
    assert site_url(book) == "https://org.github.io/repo/"
    index = build_index(book)
    assert index.targets["fig-2"].number == 2 and index.notebook_docs == {"chapters/b"}
    monkeypatch.setenv("BOOK_REPOSITORY_URL", "https://github.com/you/fork")
    assert site_url(book) == "https://you.github.io/fork/"


def test_written_notebooks_are_valid_and_atomic(tmp_path):
    index = BookIndex(site_url=SITE)
    index_document(DOC, "# One\n", index, {})
    notebook = {"cells": [md("# One"), code("1 + 1")], "metadata": {}, "nbformat": 4,
                "nbformat_minor": 5}
    paths = write_chapter_notebooks(notebook, DOC, index, tmp_path)
    assert [p.name for p in paths] == ["one.ipynb", "one-solutions.ipynb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one-solutions.ipynb", "one.ipynb"]
    assert json.loads(paths[0].read_text())["nbformat"] == 4


def test_code_the_page_hides_is_folded_in_the_notebook():
    cells = [md("# One"), code("glue('x', 1)", tags=["remove-input"]),
             code("table()", tags=["hide-output"]), code("plain()")]
    student, _ = convert(cells)
    metas = [c["metadata"].get("jupyter", {}) for c in student["cells"]
             if c["cell_type"] == "code"]
    assert metas == [{"source_hidden": True}, {"outputs_hidden": True}, {}]


def test_a_visible_cell_using_a_name_only_a_left_out_cell_defines_is_an_error():
    hidden = [md("# One"), code("k = 2 * 3", tags=["remove-cell"]), code("print(k)")]
    with pytest.raises(ConversionError, match=r"uses \['k'\]"):
        convert(hidden)
    in_solution = [md("# One\n\n```{exercise}\n:label: e\n\nDo.\n```\n\n"
                      "```{solution-start} e\n```"),
                   code("answer = 42"), md("```{solution-end}\n```"), code("print(answer)")]
    with pytest.raises(ConversionError, match=r"student notebook"):
        convert(in_solution)
    fine = [md("# One"), code("k = 1", tags=["remove-cell"]), code("k = 2\nprint(k)"),
            code("import numpy as np\nfor i in range(2):\n    print(np.sqrt(i), k)")]
    student, _ = convert(fine)
    assert len(codes(student)) == 2


def test_a_left_out_cell_that_silences_warnings_for_the_page_is_an_error():
    # the page would hide the warnings; the notebook, without the cell, would print them
    for source in ('import warnings\nwarnings.simplefilter("ignore", DivergenceWarning)',
                   "from warnings import filterwarnings\nfilterwarnings('ignore')"):
        cells = [md("# One"), code(source, tags=["remove-cell"]), code("run()")]
        with pytest.raises(ConversionError, match=r"changes the warning filters"):
            convert(cells)
    # scoped to a block, or in a visible cell, the notebook behaves as the page
    scoped = ("import warnings\nwith warnings.catch_warnings():\n"
              "    warnings.simplefilter('ignore')\n    run()")
    for cells in ([md("# One"), code(scoped, tags=["remove-cell"])],
                  [md("# One"), code("import warnings\nwarnings.simplefilter('ignore')")]):
        student, _ = convert(cells)
        assert student["cells"]
