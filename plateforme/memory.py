"""How the process's allocator hands big blocks back.

Every password check (Argon2id, 19 MiB: tenants/access/passwords.py, the operators' security)
allocates and frees one 19 MiB block. glibc's malloc serves a block that big with its own
mapping and unmaps it when freed, but it then raises its mapping threshold to the freed size
(its "dynamic threshold"): from the second check on, the 19 MiB come from the heap, and a freed
heap block that size is kept, not trimmed. Measured in a worker: +19 MiB of RSS from its second
login on, for good, in every worker. Fixing the threshold (mallopt(3), M_MMAP_THRESHOLD) turns the
dynamic adjustment off: blocks of 1 MiB and more are always mapped and given back when freed.
Smaller blocks, which are most of a request's, are served from the heap as before. The
environment's MALLOC_MMAP_THRESHOLD_, if an operator set one, is left as it is.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
MMAP_THRESHOLD = 1 << 20


def give_big_blocks_back() -> bool:
    """Fix glibc's mapping threshold; False where there is no glibc (nothing to do there)."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
