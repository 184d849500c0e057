"""File-system hygiene for the functions that write files.

Two promises, kept here once for every writer in gdcode:

* a file is written completely or not at all: it is written to a temporary
  file in the same folder and renamed into place only when complete
  (:func:`write_atomically`), so a crash never leaves a half-written file that
  a later run would trust;
* a write that fails leaves the disk as it was: folders created for it are
  removed again if they are still empty (:func:`removing_new_folders_on_error`).

A process killed in the middle of a download cannot clean up after itself;
:func:`remove_stale_temporary_files` is how the next call does it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: A temporary file untouched for this many seconds belongs to no live writer
#: (downloads time out after at most a minute without data).
STALE_AFTER_SECONDS = 600.0


def _missing_folders(folder: Path) -> list[Path]:
    """The folders on the way to ``folder`` that do not exist yet, deepest first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


@contextlib.contextmanager
def removing_new_folders_on_error(folder: Path) -> Iterator[None]:
    """Run the block; if it raises, remove the folders it created on the way to ``folder``.

    Only folders that did not exist before the block and are empty afterwards
    are removed, deepest first.
    """
    created = _missing_folders(Path(folder).absolute())
    try:
        yield
    except BaseException:
        for path in created:  # deepest first
            with contextlib.suppress(OSError):  # not empty, or already gone
                path.rmdir()
        raise


def _new_file_mode(path: Path) -> int:
    """The permissions ``path`` gets: those of the file it replaces, or those ``open``
    gives a new file (``0o666`` less the umask).

    The temporary file from :func:`tempfile.mkstemp` is private (``0o600``); renamed
    into place as it is, a figure or data file of the published site could not be read
    by a web server running as another user.
    """
    with contextlib.suppress(OSError):
        return path.stat().st_mode & 0o7777
    mask = os.umask(0o022)  # the only way to read the umask is to set it...
    os.umask(mask)  # ...and put it back at once
    return 0o666 & ~mask


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8; bytes as they are) to ``path`` via a temporary file in the
    same folder. The file ends up with the permissions of the one it replaces, or of a
    file ``open`` would create."""
    path = Path(path)
    with removing_new_folders_on_error(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        try:
            if isinstance(text, bytes):
                with os.fdopen(handle, "wb") as file:
                    file.write(text)
            else:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.write(text)
            os.chmod(temporary, _new_file_mode(path))
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def remove_stale_temporary_files(
    folder: Path, pattern: str = "tmp*", older_than: float = STALE_AFTER_SECONDS
) -> list[Path]:
    """Delete files matching ``pattern`` in ``folder`` not modified for ``older_than`` seconds.

    Use it only on a folder that gdcode alone writes temporary files to.
    Returns the files removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    now = time.time()
    removed = []
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):  # gone already, or not ours to delete
            if path.is_file() and now - path.stat().st_mtime > older_than:
                path.unlink()
                removed.append(path)
    return removed
