"""cluster.memory: arrays of a process started as Dask starts its workers come from the heap."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

SCRIPT = """
import resource, sys
import numpy as np
from cluster.memory import keep_arrays_in_the_heap
if sys.argv[1] == "tuned":
    assert keep_arrays_in_the_heap()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    np.ones(1 << 17)  # 1 MB written whole
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                    reason="mallopt's thresholds are glibc's; another C library's allocator "
                           "is left alone (keep_arrays_in_the_heap returns False there)")
def test_big_arrays_are_not_fresh_mappings_after_keep_arrays_in_the_heap():
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}  # as a Dask nanny sets it

    def faults(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", SCRIPT, mode], env=env, check=True,
                             capture_output=True, text=True)
        return int(out.stdout)

    plain, tuned = faults("plain"), faults("tuned")
    assert plain > 100 * 256 * 0.9  # every array a new mapping: 256 pages faulted in
    assert tuned < plain / 10
