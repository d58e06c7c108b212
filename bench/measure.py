"""Measuring the benchmarks' own processes: the RSS high-water mark of the children they start."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


class ChildrenPeak(threading.Thread):
    """Samples the high-water RSS (VmHWM) of this process's children: the import's scanning process.

    ``ru_maxrss`` of waited-for children would not do: it counts a child's pages from before it
    replaced its copy of this process with a new program.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_mib = 0.0

    def run(self) -> None:
        me = str(os.getpid())
        while not self.stop.wait(0.2):
            for stat in Path("/proc").glob("[0-9]*/stat"):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    if stat.read_text().rpartition(")")[2].split()[1] == me:
                        self.peak_mib = max(self.peak_mib, vm_hwm_mib(stat.parent))


def vm_hwm_mib(proc: Path) -> float:
    for line in (proc / "status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
