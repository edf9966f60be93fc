"""The machine a benchmark ran on, printed beside its figures: ratios differ between CPUs, not only between loads
(the page's NumPy runs scalar WebAssembly while CPython's calls OpenBLAS, whose kernels follow the CPU's vector
units: page / CPython was 0.26-0.31x on one machine and 0.18-0.25x on an AVX-512 one)."""
from __future__ import annotations

import os
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name and whether it has AVX-512 (what OpenBLAS picks its kernels by), from /proc/cpuinfo."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown CPU"
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    vector = "AVX-512" if "avx512f" in fields.get("flags", "").split() else (
        "AVX2" if "avx2" in fields.get("flags", "").split() else "no AVX2")
    return f"{fields.get('model name', 'unknown CPU')} ({vector})"


def describe() -> str:
    """One line: the CPU, its cores and the load average now."""
    return f"{cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
