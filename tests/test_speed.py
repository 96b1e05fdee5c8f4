"""The README's speed tables: denormals kept or flushed; long runs' last epochs against their first."""

from __future__ import annotations

import json

from fmnist.lab import speed
from fmnist.models import MLP


def record(name: str, seconds: list[float], flushed: bool | None, members: int = 1) -> dict:
    """A result record whose one history (or ``members`` equal ones) took ``seconds`` per epoch."""
    epochs = [{"epoch": i + 1, "train_seconds": s} for i, s in enumerate(seconds)]
    about = {"machine_class": "x86 AMX bf16"}
    if flushed is not None:
        about["denormals_flushed"] = flushed
    return {"name": name, "environment": about, "histories": [{"epochs": epochs}] * members}


def test_a_long_runs_slowdown_compares_its_last_epochs_with_its_first():
    slowing = [1.0] * 300 + [2.0] * 300
    assert speed.epoch_slowdown(record("a", slowing, None)) == (1.0, 2.0)
    assert speed.epoch_slowdown(record("a", [1.0] * 299, None)) is None  # too short to tell
    assert speed.epoch_slowdown(record("a", slowing, None, members=2)) is None  # an ensemble


def test_the_slowdown_table_groups_runs_by_class_recipe_and_flushing():
    records = [
        record("long", [1.0] * 300 + [1.8] * 300, None),  # written before the field existed: not flushed
        record("long", [1.0] * 300 + [1.6] * 300, False),
        record("long", [1.0] * 600, True),
        record("short", [1.0] * 100, True),
    ]
    table = speed.epoch_slowdown_table(records)
    assert "| x86 AMX bf16 | long | no | 2 | 1.00 | 1.70 | 1.60-1.80 |" in table
    assert "| x86 AMX bf16 | long | yes | 1 | 1.00 | 1.00 | 1.00 |" in table
    assert "short" not in table


def test_the_denormal_table_shows_each_class_newest_measurement(tmp_path):
    def line(date: str, kept: float) -> dict:
        return {
            "date": date,
            "machine_class": "x86 AMX bf16",
            "cpu_model": "Xeon",
            "threads": 2,
            "share_stopped": 0.06,
            "ms_per_step": {"keep_stopped": kept, "flush_stopped": 10.0, "keep_clean": 9.0, "flush_clean": 9},
            "flush_speedup_stopped": kept / 10.0,
        }

    (tmp_path / speed.DENORMAL_BENCH_FILE).write_text(
        "\n".join(json.dumps(line(d, k)) for d, k in (("2026-12-03", 30.0), ("2026-12-01", 50.0)))
    )
    table = speed.denormal_table(speed.load_bench(tmp_path, speed.DENORMAL_BENCH_FILE))
    assert "| x86 AMX bf16 | Xeon, 2 | 6% | 30.0 | 10.0 | **3.0x** | 9.0 / 9.0 | 2026-12-03 |" in table
    assert "50.0" not in table and speed.load_bench(tmp_path / "none", speed.DENORMAL_BENCH_FILE) == []


def test_the_checkpoint_table_shows_each_class_newest_line(tmp_path):
    def line(date: str, save: float) -> dict:
        return {
            "date": date,
            "machine_class": "x86 AMX bf16",
            "cpu_model": "Xeon",
            "threads": 2,
            "state_mb": 29.6,
            "epoch_seconds": 2.0,
            "save_seconds": save,
            "save_over_epoch": save / 2.0,
            "default_every_seconds": 60.0,
            "saves_in_600_epochs": {"every_epoch": 600, "default": 21},
        }

    (tmp_path / speed.CHECKPOINT_BENCH_FILE).write_text(
        "\n".join(json.dumps(line(d, s)) for d, s in (("2026-12-03", 0.2), ("2026-12-01", 0.9)))
    )
    table = speed.checkpoint_table(speed.load_bench(tmp_path, speed.CHECKPOINT_BENCH_FILE))
    row = "| x86 AMX bf16 | Xeon, 2 | 30 | 2.00 | 0.20 | **10%** | 600 / 21 (every 60 s) | 2026-12-03 |"
    assert row in table and "0.90" not in table


def test_the_augment_table_shows_each_class_and_recipe_newest_line(tmp_path):
    def line(date: str, recipe: str, floats: float) -> dict:
        return {
            "date": date,
            "machine_class": "x86 AMX bf16",
            "cpu_model": "Xeon",
            "threads": 2,
            "recipe": recipe,
            "augment": ["hflip", "translate:1", "mixup:0.2"],
            "epoch_seconds_floats": floats,
            "epoch_seconds_uint8": 2.0,
            "speedup": floats / 2.0,
        }

    lines = [line("2026-12-03", "a", 2.2), line("2026-12-01", "a", 3.0), line("2026-12-01", "b", 2.5)]
    (tmp_path / speed.AUGMENT_BENCH_FILE).write_text("\n".join(json.dumps(x) for x in lines))
    table = speed.augment_table(speed.load_bench(tmp_path, speed.AUGMENT_BENCH_FILE))
    assert "| a | hflip, translate:1, mixup:0.2 | 2.20 | 2.00 | **1.10x** | 2026-12-03 |" in table
    assert "| b | hflip, translate:1, mixup:0.2 | 2.50 | 2.00 | **1.25x** | 2026-12-01 |" in table
    assert "3.00" not in table


def test_the_step_table_gives_two_cpus_of_one_class_a_row_each():
    def line(date: str, generation: str | None, step_ms: float) -> dict:
        row = {
            "date": date,
            "machine_class": "x86 AVX-512 bf16",
            "cpu_model": "AMD EPYC",
            "threads": 2,
            "precision": "bf16",
            "gemm_gflops": 357.0,
            "step_ms": step_ms,
            "epoch_seconds": step_ms * 0.188,
            "matrix_gflops": 140.0,
            "share_of_gemm_peak": 0.4,
            "breakdown_ms": {"matrix products": 9.5},
        }
        return row if generation is None else {**row, "cpu_generation": generation}

    rows = [line("2026-12-01", None, 17.2), line("2026-12-06", "AuthenticAMD family 26 model 2", 8.0)]
    rows[1] |= {"products_share_of_gemm_peak": 0.71, "compiled_step_ms": 6.54}
    table = speed.step_table(rows)
    assert "| 40% | - | - | matrix products 9.5 | 2026-12-01 |" in table  # measured before the ceiling
    assert "| 40% | 71% | 6.5 | matrix products 9.5 | 2026-12-06 |" in table
    assert "| AMD EPYC, 2 | bf16 | 357 | 17.2 |" in table  # written before generations were recorded
    assert "| AMD EPYC (AuthenticAMD family 26 model 2), 2 | bf16 | 357 | 8.0 |" in table


def test_the_products_alone_run_every_layers_shapes():
    model = MLP(hidden=[16, 8])  # 784-16-8-10: a wrong shape anywhere would raise
    assert speed.products_seconds(model, batch_size=4, steps=1) > 0
    assert speed.products_seconds(MLP(hidden=[16], align=True), batch_size=4, steps=1) > 0
