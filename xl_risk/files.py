"""Writing a file whole: a temporary file beside it, renamed over it once done."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def replace_whole(
    path: Path, write: Callable[[Path], object], mode: int | None = None
) -> None:
    """``write`` a temporary file in ``path``'s folder, then rename it over
    ``path``: a failure leaves no half-written file and an earlier one as it was.

    The temporary name keeps ``path``'s suffix (writers choose a format by
    it). The new file takes the mode of the one it replaces, else ``mode``,
    else what the umask gives a new file. An OS error names ``path``, not the
    temporary name.
    """
    handle, name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent
    )
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        if path.exists():
            shutil.copymode(path, temp)
        else:  # mkstemp's file is private to its owner
            os.chmod(temp, _new_file_mode() if mode is None else mode)
        os.replace(temp, path)
    except OSError as err:
        temp.unlink(missing_ok=True)
        if err.filename is not None and Path(err.filename) == temp:
            err.filename = str(path)
        raise
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    """The mode the umask gives a new file (0644 under the usual 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
