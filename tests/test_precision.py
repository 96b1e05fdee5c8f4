"""precision="auto": bf16 only where native and faster; the precision that ran is recorded."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from fmnist import precision
from fmnist.models import MLP
from fmnist.train import TrainConfig, fit, recipe_of, set_seed

# name: (oneDNN's check, AMX tiles, AVX-512 BF16, torch's CPU capability, vendor)
CPUS = {
    "AMX": (True, True, True, "AVX512", "GenuineIntel"),
    "AVX-512 BF16 (AMD)": (True, False, True, "AVX512", "AuthenticAMD"),
    # bf16 dot products on Intel's vectors without AMX (tiles hidden by a VM): 1.4x slower than fp32
    "AVX-512 BF16 (Intel, no AMX)": (True, False, True, "AVX512", "GenuineIntel"),
    "AVX-512 without BF16": (True, False, False, "AVX512", "GenuineIntel"),  # oneDNN says yes: emulated
    "AVX2 only": (False, False, False, "AVX2", "AuthenticAMD"),
}
EXPECTED = {
    "AMX": ("bf16", "x86 AMX bf16"),
    "AVX-512 BF16 (AMD)": ("bf16", "x86 AVX-512 bf16"),
    "AVX-512 BF16 (Intel, no AMX)": ("fp32", "x86 AVX-512 fp32"),
    "AVX-512 without BF16": ("fp32", "x86 AVX-512 fp32"),
    "AVX2 only": ("fp32", "x86 AVX2 fp32"),
}


def pretend_cpu(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    onednn, amx, avx512_bf16, capability, vendor = CPUS[name]
    monkeypatch.setattr(precision, "onednn_bf16", lambda: onednn)
    monkeypatch.setattr(precision, "cpu_has_amx", lambda: amx)
    monkeypatch.setattr(precision, "cpu_has_avx512_bf16", lambda: avx512_bf16)
    monkeypatch.setattr(precision, "cpu_vendor", lambda: vendor)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    monkeypatch.setattr(precision.platform, "machine", lambda: "x86_64")


@pytest.mark.parametrize("cpu", list(CPUS))
def test_auto_on_a_cpu_picks_bf16_only_where_it_is_native_and_faster(monkeypatch, cpu):
    pretend_cpu(monkeypatch, cpu)
    resolved, machine_class = EXPECTED[cpu]
    assert precision.resolve_precision("auto", "cpu") == resolved
    assert precision.machine_class() == machine_class
    assert precision.resolve_precision("fp32", "cpu") == "fp32"  # an explicit choice stays
    assert precision.resolve_precision("bf16", "cpu") == "bf16"


@pytest.mark.parametrize(("native", "resolved"), [(True, "bf16"), (False, "fp32")])
def test_auto_on_cuda_follows_the_gpus_native_bf16(monkeypatch, native, resolved):
    monkeypatch.setattr(precision, "cuda_native_bf16", lambda: native)
    assert precision.resolve_precision("auto", "cuda") == resolved
    assert precision.resolve_precision("auto", torch.device("cuda", 0)) == resolved


def test_auto_on_mps_is_fp32():
    assert precision.resolve_precision("auto", "mps") == "fp32"


def test_an_unknown_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="precision must be one of"):
        precision.resolve_precision("fp16", "cpu")
    with pytest.raises(ValueError, match="precision must be 'auto', 'fp32' or 'bf16'"):
        TrainConfig(precision="half")


def test_auto_is_the_default_and_the_key_holds_the_precision_that_runs(monkeypatch):
    assert TrainConfig().precision == "auto"
    config = TrainConfig(device="cpu")
    for cpu, (resolved, _) in EXPECTED.items():
        pretend_cpu(monkeypatch, cpu)
        assert recipe_of(config)["precision"] == resolved
        assert recipe_of(config) == recipe_of(replace(config, precision=resolved))
    pretend_cpu(monkeypatch, "AMX")
    amx_recipe = recipe_of(config)
    pretend_cpu(monkeypatch, "AVX2 only")
    assert recipe_of(config) != amx_recipe  # two classes, two keys: neither is skipped for the other


def test_as_class_answers_for_another_machine_class(monkeypatch):
    pretend_cpu(monkeypatch, "AVX2 only")
    with precision.as_class("x86 AMX bf16"):
        assert precision.resolve_precision("auto", "cpu") == "bf16"
        with precision.as_class("x86 AVX-512 fp32"):
            assert precision.resolve_precision("auto", "cpu") == "fp32"
        assert precision.resolve_precision("auto", "cpu") == "bf16"
    assert precision.resolve_precision("auto", "cpu") == "fp32"


@pytest.mark.parametrize("cpu", ["AVX2 only", "AVX-512 BF16 (Intel, no AMX)"])
def test_explicit_bf16_where_it_is_slower_runs_and_warns_once_naming_auto(monkeypatch, splits, cpu):
    pretend_cpu(monkeypatch, cpu)
    precision._warn_once.cache_clear()
    config = TrainConfig(epochs=1, batch_size=512, device="cpu", precision="bf16", progress=False)
    small = replace(splits, train=splits.train.subset(1024), val=splits.val.subset(512))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        set_seed(0)
        first = fit(MLP(hidden=[16]), small, config)
        fit(MLP(hidden=[16]), small, config)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 1 and "precision='auto'" in messages[0]
    assert first.precision == "bf16" and first.to_dict()["precision"] == "bf16"


def test_the_history_records_the_precision_that_ran(monkeypatch, splits):
    small = replace(splits, train=splits.train.subset(512), val=splits.val.subset(256))
    config = TrainConfig(epochs=1, batch_size=256, device="cpu", progress=False)
    for cpu in ("AVX2 only", "AMX"):
        pretend_cpu(monkeypatch, cpu)
        set_seed(0)
        history = fit(MLP(hidden=[16]), small, config)
        assert history.precision == EXPECTED[cpu][0]


DENORMAL = precision.A_DENORMAL


@pytest.mark.skipif(not precision.platform.machine().lower().startswith(("x86", "amd64")), reason="x86 only")
def test_denormals_are_zero_inside_the_block_and_as_before_after_it():
    torch.set_flush_denormal(False)
    assert torch.tensor([DENORMAL]).mul(1.0).item() > 0 and not precision.denormals_flushed()
    with precision.flushing_denormals() as supported:
        assert supported and torch.tensor([DENORMAL]).mul(1.0).item() == 0.0 and precision.denormals_flushed()
    assert torch.tensor([DENORMAL]).mul(1.0).item() > 0 and not precision.denormals_flushed()
    torch.set_flush_denormal(True)  # flushing before the block: still flushing after it
    with precision.flushing_denormals():
        pass
    assert precision.denormals_flushed()
    torch.set_flush_denormal(False)


def test_fit_and_the_command_line_flush_denormals_while_they_work_and_restore_them(monkeypatch, splits):
    from fmnist.lab import cli

    torch.set_flush_denormal(False)
    seen = []
    small = replace(splits, train=splits.train.subset(256), val=splits.val.subset(128))
    config = TrainConfig(epochs=1, batch_size=128, device="cpu", progress=False)
    fit(MLP(hidden=[8]), small, config, on_epoch_end=lambda *_: seen.append(precision.denormals_flushed()))
    monkeypatch.setattr(cli, "_report", lambda args: seen.append(precision.denormals_flushed()) or 0)
    assert cli.main(["report"]) == 0
    assert seen == [True, True] and not precision.denormals_flushed()


@pytest.fixture
def fresh_vendor():
    """`cpu_vendor` is cached: each lookup here reads afresh, and the real answer is back afterwards."""
    precision.cpu_vendor.cache_clear()
    yield lambda: (precision.cpu_vendor.cache_clear(), precision.cpu_vendor())[1]
    precision.cpu_vendor.cache_clear()


def test_the_cpu_generation_tells_apart_cpus_whose_model_name_is_the_same(monkeypatch, fresh_vendor):
    info = {"vendor_id": "AuthenticAMD", "cpu family": "26", "model": "2", "model name": "AMD EPYC"}
    monkeypatch.setattr(precision, "_cpuinfo", lambda *keys: next((info[k] for k in keys if k in info), None))
    fresh_vendor()
    assert precision.cpu_generation() == "AuthenticAMD family 26 model 2"
    assert precision.machine()["cpu_generation"] == "AuthenticAMD family 26 model 2"
    monkeypatch.setattr(precision, "_cpuinfo", lambda *keys: None)  # not Linux: nothing to tell
    fresh_vendor()
    assert precision.cpu_generation() == ""


def test_the_vendor_comes_from_cpuinfo_or_else_from_the_platform(monkeypatch, fresh_vendor):
    monkeypatch.setattr(precision, "_cpuinfo", lambda *keys: "AuthenticAMD" if "vendor_id" in keys else None)
    assert fresh_vendor() == "AuthenticAMD"
    monkeypatch.setattr(precision, "_cpuinfo", lambda *keys: None)  # Windows: no /proc/cpuinfo
    windows_says = "AMD64 Family 25 Model 17 Stepping 1, AuthenticAMD"
    monkeypatch.setattr(precision.platform, "processor", lambda: windows_says)
    assert fresh_vendor() == "AuthenticAMD"
    monkeypatch.setattr(precision.platform, "processor", lambda: "arm")
    assert fresh_vendor() == ""


@pytest.mark.skipif(not Path("/proc/cpuinfo").is_file(), reason="Linux only")
@pytest.mark.skipif(not precision.platform.machine().lower().startswith(("x86", "amd64")), reason="x86 only")
def test_this_x86_linux_machine_names_its_vendor(fresh_vendor):
    assert fresh_vendor() in (*precision.AVX512_BF16_PAYS_ON, "GenuineIntel")


def test_generation_labels_split_where_seeds_ran_on_unequal_cpus_and_name_missing_ones():
    zen3, zen5 = "AuthenticAMD family 25 model 1", "AuthenticAMD family 26 model 2"
    assert precision.recorded_generation(zen3) == zen3
    assert precision.recorded_generation("") == precision.recorded_generation(None)
    assert precision.recorded_generation(None) == precision.UNRECORDED_GENERATION
    found = precision.generations([f"{zen3} / {zen5}", zen3, None])
    assert found == {zen3, zen5, precision.UNRECORDED_GENERATION}
