"""Which precision a run trains in: bf16 autocast only where the hardware does bf16 natively and faster.

``precision="auto"`` (the default everywhere) resolves, for the device a run trains on, to
``"bf16"`` where the matrix units multiply bfloat16 natively and faster than fp32 (a CPU with AMX,
an AMD CPU with AVX-512 BF16, a CUDA GPU that supports bf16) and to ``"fp32"`` everywhere else. On
a CPU without native bf16 (AVX2 or plain AVX-512) oneDNN emulates it, and a training step runs
about 15x slower than in fp32; on an Intel Xeon with AVX-512 BF16 but no AMX it runs 1.4x slower.
`machine_class` names the class a time was measured on, e.g. ``x86 AMX bf16``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import torch

# The class the project's recipes were screened and chosen on, and its shipped model trained on.
SELECTION_CLASS = "x86 AMX bf16"
A_DENORMAL = 1e-39  # below fp32's smallest normal number (1.18e-38): flushed to zero, or kept as a denormal
Precision = Literal["auto", "fp32", "bf16"]
Resolved = Literal["fp32", "bf16"]
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16")


def _cpuinfo(*keys: str) -> str | None:
    """The first value of any of ``keys`` in /proc/cpuinfo (None where there is no such line or file)."""
    info = Path("/proc/cpuinfo")
    if not info.is_file():
        return None
    for line in info.read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() in keys:
            return value.strip()
    return None


def _cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is no such file)."""
    return set((_cpuinfo("flags", "Features") or "").split())


def cpu_has_amx() -> bool:
    """AMX tiles with bf16 (Intel Sapphire Rapids and later)."""
    check = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(check()) if check is not None else "amx_bf16" in _cpu_flags()


def cpu_has_avx512_bf16() -> bool:
    """AVX-512 BF16 dot products (Intel Cooper Lake and later, AMD Zen 4 and later)."""
    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    return bool(check()) if check is not None else "avx512_bf16" in _cpu_flags()


# The CPU vendors whose AVX-512 BF16 dot products (without AMX) train faster than fp32, as measured
# by `benchmarks/bench_step.py` (assets/step_bench.jsonl: the frontier step in bf16 against fp32):
# AMD Zen 4 and Zen 5 are faster in bf16. An Intel Xeon with AVX-512 BF16 whose AMX tiles its VM
# hides (GenuineIntel family 6 model 207) runs the step slower in bf16 than in fp32, so every Intel
# without AMX stays in fp32 (a bare-metal Cooper Lake is unmeasured).
AVX512_BF16_PAYS_ON: tuple[str, ...] = ("AuthenticAMD",)


@functools.cache
def cpu_vendor() -> str:
    """The CPU's vendor, e.g. ``GenuineIntel``: ``vendor_id`` in /proc/cpuinfo, else the vendor
    string that ends what the platform says (Windows: ``AMD64 Family 25 ..., AuthenticAMD``), or ``""``."""
    found = _cpuinfo("vendor_id")
    if found:
        return found
    said = platform.processor()
    return next((vendor for vendor in ("AuthenticAMD", "GenuineIntel") if vendor in said), "")


def onednn_bf16() -> bool:
    """oneDNN's own check. It answers True on any AVX-512 core, where bf16 may still be emulated."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


_ASSUMED_CPU_BF16: list[bool] = []  # set by `as_class`: answer for another machine class


def cpu_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices natively and faster than fp32: AMX tiles, or
    AVX-512 BF16 on a vendor in `AVX512_BF16_PAYS_ON` (not emulated by oneDNN, not slower)."""
    if _ASSUMED_CPU_BF16:
        return _ASSUMED_CPU_BF16[-1]
    avx512_bf16_pays = cpu_has_avx512_bf16() and cpu_vendor() in AVX512_BF16_PAYS_ON
    return onednn_bf16() and (cpu_has_amx() or avx512_bf16_pays)


@contextlib.contextmanager
def as_class(machine_class: str) -> Iterator[None]:
    """Within it, ``auto`` on a CPU resolves as on ``machine_class`` (its last word: ``bf16`` or
    ``fp32``): the study key or config a run has on another class, e.g. a committed AMX result's."""
    _ASSUMED_CPU_BF16.append(machine_class.split()[-1] == "bf16")
    try:
        yield
    finally:
        _ASSUMED_CPU_BF16.pop()


def cuda_native_bf16() -> bool:
    """Whether the current CUDA GPU does bf16 natively (Ampere and later)."""
    return bool(torch.cuda.is_bf16_supported(including_emulation=False))


def native_bf16(device: torch.device | str) -> bool:
    """Whether ``device`` multiplies bfloat16 matrices natively and faster than fp32. MPS: no (fp32
    is the safe choice)."""
    kind = torch.device(device).type
    if kind == "cpu":
        return cpu_native_bf16()
    if kind == "cuda":
        return cuda_native_bf16()
    return False


def resolve_precision(precision: str, device: torch.device | str) -> Resolved:
    """``"auto"`` -> ``"bf16"`` where ``device`` does bf16 natively and faster, else ``"fp32"``; an explicit
    choice stays. (`as_class` answers the hardware question for another machine class.)"""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    return "bf16" if precision == "bf16" else "fp32"


@functools.cache
def _warn_once(kind: str) -> None:
    warnings.warn(
        f"precision='bf16' on this {kind} runs slower than fp32 (emulated, or not faster natively); "
        "use precision='auto' to train in what the hardware does fastest",
        RuntimeWarning,
        stacklevel=4,
    )


def warn_if_emulated(resolved: str, device: torch.device | str) -> None:
    """Warn once per device kind when bf16 runs where the hardware emulates it or runs it slower."""
    if resolved == "bf16" and not native_bf16(device):
        _warn_once(torch.device(device).type.upper())


def cpu_isa() -> str:
    """The widest matrix instruction set this CPU has: ``AMX``, ``AVX-512 BF16``, ``AVX-512``,
    ``AVX2`` or what torch reports (e.g. ``DEFAULT`` on Arm)."""
    if cpu_has_amx():
        return "AMX"
    if cpu_has_avx512_bf16():
        return "AVX-512 BF16"
    capability = torch.backends.cpu.get_cpu_capability()
    return {"AVX512": "AVX-512"}.get(capability, capability)


def machine_class() -> str:
    """The CPU class times are measured on: architecture, ISA and the precision ``auto`` picks,
    e.g. ``x86 AMX bf16``, ``x86 AVX-512 fp32`` or ``x86 AVX2 fp32``."""
    arch = {"x86_64": "x86", "AMD64": "x86", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{arch} {cpu_isa().removesuffix(' BF16')} {resolve_precision('auto', 'cpu')}"


def class_suffix(machine_class: str) -> str:
    """``""`` for `SELECTION_CLASS`, else e.g. ``-x86-avx-512-fp32``: told apart in a file name."""
    if machine_class == SELECTION_CLASS:
        return ""
    return "-" + "-".join(machine_class.lower().split())


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or what the platform says."""
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def cpu_generation() -> str:
    """The CPU's vendor, family and model numbers (``/proc/cpuinfo``), e.g. ``AuthenticAMD family 26
    model 2`` (a Zen 5): what tells apart two CPUs of one class whose model name is only ``AMD EPYC``;
    ``""`` where they are not given."""
    parts = [cpu_vendor(), _cpuinfo("cpu family"), _cpuinfo("model")]
    if not all(parts):
        return ""
    vendor, family, model = parts
    return f"{vendor} family {family} model {model}"


UNRECORDED_GENERATION = "generation not recorded"  # a run from before `cpu_generation` was recorded


def recorded_generation(label: str | None) -> str:
    """A recorded `cpu_generation` label as published: empty or missing is `UNRECORDED_GENERATION`."""
    return label or UNRECORDED_GENERATION


def generations(labels: Iterable[str | None]) -> set[str]:
    """The CPU generations these recorded labels name: each one `cpu_generation`, or several
    joined by `` / `` (a recipe's seeds on unequal CPUs); empty or missing is `UNRECORDED_GENERATION`."""
    return {found for label in labels for found in recorded_generation(label).split(" / ")}


def machine() -> dict[str, str | int]:
    """What a published time was measured on: class, CPU model and generation, cores and threads."""
    return {
        "machine_class": machine_class(),
        "cpu_model": cpu_model(),
        "cpu_generation": cpu_generation(),
        "cores": os.cpu_count() or 1,
        "threads": torch.get_num_threads(),
    }


def machine_description(about: Mapping[str, Any] | None = None) -> str:
    """``<CPU model> (<machine class>), 2 cores, 2 threads``: what a published time was measured
    on, from `machine` (read now unless ``about`` holds one)."""
    about = machine() if about is None else about
    return (
        f"{about['cpu_model']} ({about['machine_class']}), {about['cores']} cores, {about['threads']} threads"
    )


@contextlib.contextmanager
def flushing_denormals() -> Iterator[bool]:
    """Treat denormal floats (below 1.2e-38 in fp32) as zero inside the block, on this CPU thread
    and on the worker threads torch starts inside it; yields whether the CPU supports it (x86 with
    SSE3). This thread's setting is restored afterwards, so code after the block (a notebook's own,
    a property test that needs subnormals) sees the floats it expects.

    Late in a long run a few percent of AdamW's moments (those of units that stopped learning) decay
    into the denormal range, where an Intel core computes each value through a microcode assist,
    hundreds of times slower. On AMX, 600-epoch runs' last epochs took 1.2-1.8 times their first
    without flushing and 1.0-1.2 with it, and a step with 6% of the units stopped ran 1.2 times
    faster flushed (`benchmarks/bench_denormals.py`). Values that small change no update. The worker
    threads copy the setting only when created (at torch's first parallel operation), so
    ``python -m fmnist`` enters this before anything else; `fit` enters it too, which covers at
    least the thread that trains.
    """
    already = denormals_flushed()
    supported = bool(torch.set_flush_denormal(True))
    try:
        yield supported
    finally:
        if not already:
            torch.set_flush_denormal(False)


def denormals_flushed() -> bool:
    """Whether this thread treats denormals as zero now (a probe: `A_DENORMAL` times 1 is 0 there)."""
    return torch.tensor([A_DENORMAL]).mul(1.0).item() == 0.0
