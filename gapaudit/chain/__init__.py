"""Chain scale: many stores at once.

``batch`` runs many audits in a process pool or on Dask, ``rollup`` builds the
headquarters report from many results, ``history`` records results over time.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def is_regular_file(path: str | Path) -> bool:
    """Whether ``path`` is a regular file (after symlinks): a FIFO, socket or device would block or
    never end when read, so batch and roll-up only ever open regular files found in folders and globs."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
