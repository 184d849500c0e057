"""Build-time glue between the book and the gdcode package.

Three jobs, all at ``config-inited`` (before any chapter is executed):

1. **Never serve stale results.** jupyter-cache keys a notebook on its code cells
   only, so a change to gdcode (or to which MNIST the chapters train on) would not
   invalidate cached outputs and glued numbers. We fingerprint gdcode's source files
   plus the data settings and wipe the execution cache when the fingerprint changes.
2. **Quiet kernels.** Kernels inherit this process's environment: turn gdcode's
   progress bars off (``GDCODE_PROGRESS=0``) and fix ``PYTHONHASHSEED`` so builds
   reproduce. Every kernel started on TCP without transport encryption logs
   "[IPKernelApp] WARNING | Kernel is running over TCP without encryption" into the build
   log (one per chapter). The kernel spec of ipykernel declares CurveZMQ support, so we
   ask jupyter_client to provision keys for the kernels this build starts
   (``transport_encryption="auto"``): the condition is gone, not the warning hidden.
3. **Forks.** ``BOOK_REPOSITORY_URL`` (if set) replaces the repository URL used by the
   repository and Binder buttons, so a fork publishes links to itself. The site's own
   address (``html_baseurl``: sitemap, Open Graph links, the 404 page's links) follows:
   ``BOOK_SITE_URL`` if set, else the GitHub Pages address of that repository, else
   ``html.baseurl`` in ``_config.yml``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Environment variables that change what a chapter computes.
DATA_ENV_VARS = ("GDCODE_MNIST", "GDCODE_OFFLINE", "GDCODE_DATA_DIR")


def gdcode_fingerprint() -> str:
    """SHA-256 over gdcode's source and data files and the data settings."""
    import gdcode

    root = Path(gdcode.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    for name in DATA_ENV_VARS:
        digest.update(f"{name}={os.environ.get(name, '')}".encode())
    from gdcode.datasets import mnist_status

    digest.update(f"mnist={mnist_status()}".encode())  # full MNIST cached or not
    return digest.hexdigest()


def execution_cache_dir(app: Sphinx, config: Config) -> Path:
    """Where myst-nb keeps jupyter-cache (its own default when the config is empty)."""
    cache_path = getattr(config, "nb_execution_cache_path", "") or ""
    if cache_path:
        return Path(app.srcdir, cache_path).resolve()
    return Path(app.outdir).parent.resolve() / ".jupyter_cache"


def invalidate_stale_cache(app: Sphinx, config: Config) -> None:
    """Wipe the execution cache when gdcode or the data settings changed.

    The fingerprint is also stored as the config value ``gdcode_fingerprint``
    (rebuild="env"), so Sphinx re-reads every chapter when it changes; without
    that, unchanged chapters would not even be looked at again.
    """
    fingerprint = gdcode_fingerprint()
    config.gdcode_fingerprint = fingerprint
    cache_dir = execution_cache_dir(app, config)
    stamp = cache_dir.parent / (cache_dir.name + ".gdcode-fingerprint")
    previous = stamp.read_text().strip() if stamp.exists() else None
    if previous != fingerprint:
        if cache_dir.exists():
            logger.info("gdcode or its data settings changed: clearing %s", cache_dir)
            shutil.rmtree(cache_dir)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_suffix(".tmp")
        tmp.write_text(fingerprint + "\n")
        os.replace(tmp, stamp)  # atomic: a half-written stamp is never read


def set_kernel_environment(app: Sphinx, config: Config) -> None:
    os.environ["GDCODE_PROGRESS"] = "0"
    os.environ["PYTHONHASHSEED"] = "0"
    # One BLAS thread: the chapters' matrices are small, extra threads only fight
    # over the cores, and a fixed thread count keeps floating-point sums identical
    # from one build machine to the next.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def encrypt_kernel_transport(app: Sphinx, config: Config) -> None:
    """Start the chapters' kernels with CurveZMQ keys (see the module docstring, 2.).

    myst-nb and jupyter-cache create their kernel managers without any configuration we
    could pass, so the default of jupyter_client's ``transport_encryption`` option is set
    for this process (the build) only. Kernels whose spec does not declare Curve support
    run as before; without CurveZMQ in pyzmq the setting is left alone (and the warning
    stays, visibly).
    """
    import zmq
    from jupyter_client.manager import KernelManager

    if zmq.has("curve"):
        KernelManager.transport_encryption.default_value = "auto"
    else:  # pragma: no cover - pyzmq's wheels include CurveZMQ
        logger.info("gdcode_build: pyzmq has no CurveZMQ; kernels run unencrypted")


def apply_repository_url(app: Sphinx, config: Config) -> None:
    url = os.environ.get("BOOK_REPOSITORY_URL", "").strip()
    if url:
        # sphinx-book-theme builds the repository and Binder links from this one option
        config.html_theme_options["repository_url"] = url


GITHUB_REPOSITORY = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


def site_url(configured: str) -> str:
    """Where the built site is published, ending in ``/`` (see the module docstring, 3.)."""
    url = os.environ.get("BOOK_SITE_URL", "").strip()
    if not url:
        match = GITHUB_REPOSITORY.match(os.environ.get("BOOK_REPOSITORY_URL", "").strip())
        if match:
            owner, repo = match.group(1).lower(), match.group(2)
            host = f"{owner}.github.io"
            url = f"https://{host}/" if repo.lower() == host else f"https://{host}/{repo}/"
    url = url or configured
    return url if not url or url.endswith("/") else url + "/"


def apply_site_url(app: Sphinx, config: Config) -> None:
    url = site_url(config.html_baseurl or "")
    config.html_baseurl = url
    if url and "ogp_site_url" in config:
        config.ogp_site_url = url  # Open Graph's og:url is absolute
    if url and "notfound_urls_prefix" in config:
        # The 404 page is served at any depth, so its links are absolute paths.
        prefix = urlsplit(url).path or "/"
        config.notfound_urls_prefix = prefix
        context = dict(config.notfound_context or {})
        if "body" in context:
            context["body"] = context["body"].replace('href="index.html"', f'href="{prefix}"')
        config.notfound_context = context


def setup(app: Sphinx) -> dict:
    app.add_config_value("gdcode_fingerprint", "", "env")
    app.connect("config-inited", set_kernel_environment, priority=100)
    app.connect("config-inited", encrypt_kernel_transport, priority=100)
    app.connect("config-inited", invalidate_stale_cache, priority=900)
    app.connect("config-inited", apply_repository_url, priority=900)
    app.connect("config-inited", apply_site_url, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
