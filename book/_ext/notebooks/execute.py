"""Execute a chapter as the book build does (outside Sphinx), to get its glue values."""

from __future__ import annotations

import os
from pathlib import Path

# The environment book/_ext/gdcode_build.py gives the build's kernels: no progress bars,
# one BLAS thread (identical floating-point sums), fixed hashing, inline figures.
BUILD_ENVIRONMENT = {
    "GDCODE_PROGRESS": "0",
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}


def execute_chapter(source: Path, *, timeout: int = 1800):
    """Read a MyST Markdown chapter with jupytext and run it from its own folder."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(source)
    saved = {name: os.environ.get(name) for name in BUILD_ENVIRONMENT}
    os.environ.update(BUILD_ENVIRONMENT)
    try:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(Path(source).parent)}})
        client.execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return notebook
