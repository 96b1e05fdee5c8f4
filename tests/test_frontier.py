"""Tables the notebooks draw from the result store."""

from __future__ import annotations

from fmnist.frontier import paired_table


def test_the_paired_table_compares_seeds_a_candidate_and_its_base_share_per_class():
    def run(name: str, seed: int, val: float, machine_class: str) -> dict:
        about = {"machine_class": machine_class, "cpu_model": "cpu", "threads": 2}
        accuracy = {"accuracy": val}
        return {"name": name, "seed": seed, "val": accuracy, "test": accuracy, "environment": about}

    common = {"method": "labels", "train_seconds": 60, "parameters": 1, "config": {}}
    records = [
        {**common, **run("new", 0, 0.92, "x86 AMX bf16")},
        {**common, **run("new", 1, 0.93, "x86 AMX bf16")},
        {**common, **run("old", 0, 0.91, "x86 AMX bf16")},
        {**common, **run("old", 0, 0.90, "x86 AVX2 fp32")},  # no candidate there: no rows
    ]
    table = paired_table(records, "new", "old")
    assert "| x86 AMX bf16 | 0 | 92.00 | 91.00 | +1.00 |" in table
    assert "| x86 AMX bf16 | 1 |" not in table  # the base has no seed 1
    assert "| x86 AMX bf16 | mean (n=2 / 1) | 92.50 ± 0.71 | 91.00 | +1.50 |" in table
    assert "AVX2" not in table
