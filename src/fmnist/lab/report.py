"""The README's and docs/' generated blocks and the figure files: each made from files that runs wrote.

`write_outputs` turns the result store into ``screening.jsonl``, ``frontier.json`` and
``frontier.png``; `update_pages` (``python -m fmnist report``, the last step of ``make run``)
rewrites every block between its ``<!-- name:begin -->`` and ``<!-- name:end -->`` markers in
README.md and docs/*.md, and writes docs/research-log.md whole; nothing in them is typed.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fmnist import plots
from fmnist.lab import speed
from fmnist.lab.answers import budget_table, headline_table, read_published
from fmnist.lab.folders import assets_dir, results_dir
from fmnist.lab.frontier import (
    ablation_rows,
    ablation_table,
    frontier_rows,
    frontier_table,
    measured_rows,
    read_screening,
    screening_rows,
    write_frontier,
    write_screening,
)
from fmnist.lab.notebooks import run_times_table
from fmnist.lab.recipes import RECIPES, REGISTRY, frontier_names, screened
from fmnist.lab.research_log import read_notes, read_retired, research_log
from fmnist.lab.results import load_results, machine_classes, results_table
from fmnist.lab.suite import read_backfill, suite_rows, suite_table
from fmnist.paths import project_root, write_text

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
RESEARCH_LOG = "docs/research-log.md"


def write_outputs() -> dict[str, Path]:
    """From the result store: ``screening.jsonl``, ``frontier.json`` and ``frontier.png`` in assets/."""
    records = load_results(results_dir())
    folder = assets_dir()
    screening = write_screening(screening_rows(screened(), records), folder)
    measured = measured_rows(Path(project_root() or Path.cwd()) / "assets")
    rows = frontier_rows(records, frontier_names(), measured)
    frontier = write_frontier(rows, folder)
    figure = plots.save_figure(plots.frontier(rows), "frontier", folder) if rows else None
    outputs = {"screening": screening, "frontier": frontier, **({"figure": Path(figure)} if figure else {})}
    chains = (ablation_rows(records, machine_class) for machine_class in machine_classes(records))
    chain = next((rows for rows in chains if rows is not None), None)  # the selection class's first
    if chain is not None:
        outputs["ablation figure"] = Path(plots.save_figure(plots.ablation_steps(chain), "ablation", folder))
    return outputs


def results_block(root: Path) -> str:
    """The named recipes (`fmnist.lab.recipes.RECIPES`) that have results: mean ± std over seeds."""
    return results_table(load_results(root / "assets" / "results"), RECIPES)


def ablation_block(root: Path) -> str:
    """The ablation from reference model 2 to ``best`` (`fmnist.lab.frontier.ablation_rows`), one table
    per CPU class where every step has run."""
    records = load_results(root / "assets" / "results")
    tables = [
        f"On {machine_class}:\n\n{ablation_table(rows)}"
        for machine_class in machine_classes(records)
        if (rows := ablation_rows(records, machine_class)) is not None
    ]
    return "\n\n".join(tables) or "Not run yet: `make study` runs its recipes (`ablation-1` … `ablation-6`)."


def render_readme(text: str, table: str, begin: str = BEGIN, end: str = END) -> str:
    """``text`` with the block between the ``begin`` and ``end`` markers replaced by ``table``."""
    if begin not in text or end not in text:
        raise ValueError(f"README has no {begin} ... {end} block to fill")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{table}\n{end}{tail}"


def benchmark_block(root: Path) -> str:
    """The benchmark tables written by ``benchmarks/bench_pipeline.py`` (CPU, then GPU if any)."""
    parts = []
    for name, title in (("benchmark.md", "CPU"), ("benchmark_gpu.md", "GPU")):
        path = root / "assets" / name
        if path.is_file():
            parts.append(f"**{title}.** " + path.read_text().strip())
    return "\n\n".join(parts) or "No benchmark has been run yet: `python benchmarks/bench_pipeline.py`."


def frontier_block(root: Path) -> str:
    """The frontier table from ``assets/frontier.json`` (written by ``make study``)."""
    path = root / "assets" / "frontier.json"
    if not path.is_file():
        return "No frontier yet: run `make study`."
    return frontier_table(json.loads(path.read_text()))


def _frontier(root: Path) -> list[dict[str, Any]]:
    path = root / "assets" / "frontier.json"
    return json.loads(path.read_text()) if path.is_file() else []


def headline_block(root: Path) -> str:
    """The shipped model, the single MLP validation chooses and the ensemble of its seeds, and the
    published marks (`fmnist.lab.answers`)."""
    from fmnist.pretrained import load_pretrained

    return headline_table(_frontier(root), load_pretrained().metadata, read_published(root / "assets"))


def budget_block(root: Path) -> str:
    """The single MLP validation chooses within 1, 5 and 30 minutes a seed, and at any cost, per CPU
    class."""
    rows = _frontier(root)
    return budget_table(rows) if rows else "No frontier yet: run `make study`."


def run_times_block(root: Path) -> str:
    """How long each notebook took in the last ``make run`` (``assets/run_times.json``)."""
    path = root / "assets" / "run_times.json"
    if not path.is_file():
        return "Not measured yet: run `make run`."
    return run_times_table(json.loads(path.read_text()))


def _bench_table(root: Path, file: str, table: Callable[[list[dict[str, Any]]], str], command: str) -> str:
    """A benchmark's table from ``assets/<file>``, or the ``command`` that writes it."""
    rows = speed.load_bench(root / "assets", file)
    return table(rows) if rows else f"Not measured yet: run `{command}`."


def step_block(root: Path) -> str:
    """The step benchmark's table (``assets/step_bench.jsonl``, written by `make bench`)."""
    return _bench_table(root, speed.STEP_BENCH_FILE, speed.step_table, "make bench")


def denormal_block(root: Path) -> str:
    """Denormals flushed or not: the bench's step times (``assets/denormal_bench.jsonl``) and every
    long run's last epochs against its first (the result store)."""
    bench = _bench_table(
        root, speed.DENORMAL_BENCH_FILE, speed.denormal_table, "benchmarks/bench_denormals.py"
    )
    growth = speed.epoch_slowdown_table(load_results(root / "assets" / "results"))
    return f"{bench}\n\nEvery run of 300 epochs or more in the result store:\n\n{growth}"


def checkpoint_block(root: Path) -> str:
    """What saving the training state costs an epoch (``assets/checkpoint_bench.jsonl``)."""
    return _bench_table(
        root, speed.CHECKPOINT_BENCH_FILE, speed.checkpoint_table, "benchmarks/bench_checkpoint.py"
    )


def augment_block(root: Path) -> str:
    """What the uint8 flips and shifts save when mixup or elastic follows (``assets/augment_bench.jsonl``)."""
    return _bench_table(root, speed.AUGMENT_BENCH_FILE, speed.augment_table, "benchmarks/bench_augment.py")


def gpu_block(root: Path) -> str:
    """What was measured on a GPU (``assets/gpu_check.json``, `benchmarks/gpu_check.py`), if anything."""
    path = root / "assets" / "gpu_check.json"
    if not path.is_file():
        return "No GPU measured yet: no GPU times; `auto`'s CUDA choice is covered by unit tests only."
    check = json.loads(path.read_text())
    runs = check["runs"]
    epochs = ", ".join(
        f"{name} (ran {run['ran']}): {statistics.median(run['train_seconds_per_epoch']):.2f} s"
        for name, run in runs.items()
    )
    return (
        f"Measured {check['date'][:10]} on one {check['gpu']} (compute capability "
        f"{'.'.join(map(str, check['capability']))}, torch {check['torch']}) by `benchmarks/gpu_check.py`: "
        f'native bf16 {"yes" if check["native_bf16"] else "no"}, so `precision="auto"` trained in '
        f"**{check['auto_resolves_to']}**. {check['recipe']}; median training seconds per 48k epoch: "
        f"{epochs}. "
        "Only this was measured on a GPU: no GPU frontier, no GPU test run (CI and `make run` use the CPU)."
    )


def suite_block(root: Path) -> str:
    """The corruption suite per recipe (`fmnist.lab.suite`), from the result files and the backfill."""
    rows = suite_rows(load_results(root / "assets" / "results"), read_backfill(root / "assets"))
    return suite_table(rows) if rows else "No run has measured the suite yet: `make study` records it."


BLOCKS: dict[str, Callable[[Path], str]] = {
    "headline": headline_block,
    "budget": budget_block,
    "results": results_block,
    "benchmark": benchmark_block,
    "ablation": ablation_block,
    "frontier": frontier_block,
    "runtimes": run_times_block,
    "step": step_block,
    "gpu": gpu_block,
    "denormals": denormal_block,
    "checkpoints": checkpoint_block,
    "augment": augment_block,
    "suite": suite_block,
}


def fill_blocks(text: str, root: Path) -> str:
    """``text`` with every generated block it holds (`BLOCKS`, by marker) made anew."""
    for name, block in BLOCKS.items():
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        if begin in text:
            text = render_readme(text, block(root), begin, end)
    return text


def update_pages(root: Path | None = None) -> list[Path]:
    """Regenerate the blocks of README.md and docs/*.md, and docs/research-log.md whole, from the
    committed files; the pages written."""
    root = root or project_root() or Path.cwd()
    log = root / RESEARCH_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    screening = read_screening(root / "assets") + read_retired(root / "assets")
    text = research_log(read_notes(root / "assets"), screening, REGISTRY)
    write_text(log, text)
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    for page in pages:
        if page != log and page.is_file():
            write_text(page, fill_blocks(page.read_text(), root))
    return pages
