"""How a worker that searches shards takes memory from the C library.

Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` so that freed memory goes back to
the system. Setting any such variable also stops glibc from raising its mmap threshold as a
program frees large blocks, so every array of 128 KB or more a search step makes (a score
or mask per story of a shard) is then a fresh mapping, page-faulted and zeroed by the kernel
and unmapped when freed: a shard's steps took about half as long again as in a plain
process. :func:`keep_arrays_in_the_heap` gives such arrays back to the heap instead, on the
worker that holds the shard, whoever started it.
"""

from __future__ import annotations

import ctypes

#: glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: blocks below this come from the heap (glibc's largest threshold on 64-bit systems)
MMAP_THRESHOLD = 32 * 1024 * 1024
#: free memory at the top of the heap beyond this goes back to the system
TRIM_THRESHOLD = 64 * 1024 * 1024


def keep_arrays_in_the_heap() -> bool:
    """Raise this process's mmap and trim thresholds (glibc); whether it could."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: its own allocator, left alone
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
