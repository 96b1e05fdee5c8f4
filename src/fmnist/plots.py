"""Every matplotlib figure the notebooks and README use: one function per figure, each returns it.

Functions take plain tensors and results, never train or load anything themselves.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from fmnist.data import CLASSES, Split
from fmnist.train import History


def save_figure(fig: Figure, name: str, folder: str | os.PathLike[str]) -> str:
    """Save ``fig`` as ``<folder>/<name>.png`` (the folder is created); return the path."""
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return str(path)


def sample_grid(split: Split, per_class: int = 8, seed: int = 0) -> Figure:
    """``per_class`` random images of each class, one row per class, class names on the left."""
    generator = torch.Generator().manual_seed(seed)
    fig, axes = plt.subplots(len(CLASSES), per_class, figsize=(per_class * 0.9, len(CLASSES) * 0.95))
    for row, name in enumerate(CLASSES):
        members = (split.labels.cpu() == row).nonzero().flatten()
        chosen = members[torch.randperm(len(members), generator=generator)[:per_class]]
        for col in range(per_class):
            ax = axes[row, col]
            if col < len(chosen):
                ax.imshow(split.images[chosen[col]].cpu().numpy(), cmap="gray_r", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            if col == 0:
                ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(f"Fashion-MNIST: {per_class} random images per class")
    fig.tight_layout()
    return fig


def image_with_pixels(image: torch.Tensor, title: str = "") -> Figure:
    """One 28x28 image zoomed, every pixel value printed on it."""
    image = image.cpu()
    fig, ax = plt.subplots(figsize=(11, 11))
    ax.imshow(image.numpy(), cmap="gray_r", vmin=0, vmax=255)
    for (row, col), value in zip(
        torch.cartesian_prod(torch.arange(28), torch.arange(28)).tolist(),
        image.flatten().tolist(),
        strict=True,
    ):
        ax.text(
            col,
            row,
            str(value),
            ha="center",
            va="center",
            fontsize=5,
            color="white" if value > 128 else "black",
        )
    ax.set_title(title or "One image, pixel values 0..255")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    return fig


def class_balance(counts: Mapping[str, torch.Tensor]) -> Figure:
    """Images per class for each named split (e.g. ``{"train": ..., "val": ..., "test": ...}``)."""
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / len(counts)
    positions = torch.arange(len(CLASSES)).float()
    for i, (name, values) in enumerate(counts.items()):
        ax.bar((positions + i * width).numpy(), values.cpu().numpy(), width=width, label=name)
    ax.set_xticks((positions + width * (len(counts) - 1) / 2).numpy(), CLASSES, rotation=30, ha="right")
    ax.set_xlabel("class")
    ax.set_ylabel("images")
    ax.set_title("Class balance per split")
    ax.legend()
    return fig


def mean_images(split: Split) -> Figure:
    """The mean image of each class."""
    fig, axes = plt.subplots(2, 5, figsize=(10, 4.6))
    images, labels = split.images.cpu().float(), split.labels.cpu()
    for index, ax in enumerate(axes.flat):
        ax.imshow(images[labels == index].mean(dim=0).numpy(), cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(CLASSES[index], fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Mean image per class")
    return fig


def training_curves(histories: Mapping[str, History]) -> Figure:
    """Loss and accuracy per epoch, train (dashed) vs validation (solid), for each named run."""
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(12, 4.2))
    for index, (name, history) in enumerate(histories.items()):
        colour = f"C{index}"
        epochs = history.column("epoch")
        loss_ax.plot(epochs, history.column("train_loss"), "--", color=colour, label=f"{name} train")
        loss_ax.plot(epochs, history.column("val_loss"), "-", color=colour, label=f"{name} validation")
        acc_ax.plot(
            epochs, [100 * a for a in history.column("train_acc")], "--", color=colour, label=f"{name} train"
        )
        acc_ax.plot(
            epochs,
            [100 * a for a in history.column("val_acc")],
            "-",
            color=colour,
            label=f"{name} validation",
        )
        if history.best_epoch is not None:
            acc_ax.axvline(history.best_epoch, color=colour, alpha=0.3, linestyle=":")
    loss_ax.set(title="Loss (NLL)", xlabel="epoch", ylabel="loss")
    acc_ax.set(title="Accuracy (dotted line: kept epoch)", xlabel="epoch", ylabel="accuracy (%)")
    loss_ax.legend(fontsize=8)
    acc_ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def image_with_probabilities(
    image: torch.Tensor,
    probabilities: torch.Tensor,
    true_label: int | None = None,
    class_names: Sequence[str] = CLASSES,
) -> Figure:
    """An image beside a horizontal bar chart of its class probabilities."""
    fig, (img_ax, bar_ax) = plt.subplots(1, 2, figsize=(9, 3.6), width_ratios=(1, 1.6))
    img_ax.imshow(image.cpu().numpy(), cmap="gray_r", vmin=0, vmax=255)
    img_ax.set_xticks([])
    img_ax.set_yticks([])
    img_ax.set_title(f"true: {class_names[true_label]}" if true_label is not None else "input")
    probabilities = probabilities.cpu().float().numpy()
    colours = ["C2" if i == true_label else "C0" for i in range(len(class_names))]
    bar_ax.barh(range(len(class_names)), probabilities, color=colours)
    bar_ax.set_yticks(range(len(class_names)), class_names)
    bar_ax.invert_yaxis()
    bar_ax.set_xlim(0, 1)
    bar_ax.set_xlabel("probability")
    predicted = int(probabilities.argmax())
    bar_ax.set_title(f"predicted: {class_names[predicted]} ({probabilities[predicted]:.1%})")
    fig.tight_layout()
    return fig


def confusion_matrices(confusion: torch.Tensor, class_names: Sequence[str] = CLASSES) -> Figure:
    """Two panels: raw counts and row-normalized (each row: where that true class went)."""
    counts = confusion.cpu().double()
    normalized = counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
    fig, axes = plt.subplots(1, 2, figsize=(15, 6.4))
    for ax, matrix, title, fmt in (
        (axes[0], counts, "Confusion matrix (counts)", "{:.0f}"),
        (axes[1], normalized, "Row-normalized (recall on the diagonal)", "{:.2f}"),
    ):
        image = ax.imshow(matrix.numpy(), cmap="Blues")
        fig.colorbar(image, ax=ax, fraction=0.046)
        peak = float(matrix.max())
        for row in range(matrix.shape[0]):
            for col in range(matrix.shape[1]):
                value = float(matrix[row, col])
                ax.text(
                    col,
                    row,
                    fmt.format(value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value > peak / 2 else "black",
                )
        ax.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
        ax.set_yticks(range(len(class_names)), class_names)
        ax.set(title=title, xlabel="predicted class", ylabel="true class")
    fig.tight_layout()
    return fig


def per_class_table(metrics: Mapping[str, torch.Tensor], class_names: Sequence[str] = CLASSES) -> Figure:
    """Precision / recall / F1 per class as a table figure (from `evaluate.per_class_metrics`)."""
    columns = ["precision", "recall", "f1", "support"]
    rows = [
        [f"{float(metrics[c][i]):.3f}" if c != "support" else f"{int(metrics[c][i])}" for c in columns]
        for i in range(len(class_names))
    ]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.axis("off")
    table = ax.table(cellText=rows, rowLabels=list(class_names), colLabels=columns, loc="center")
    table.scale(1, 1.3)
    ax.set_title("Per-class precision, recall and F1 on the test set")
    return fig


def misclassified_gallery(
    images: torch.Tensor,
    labels: torch.Tensor,
    probabilities: torch.Tensor,
    count: int = 24,
    columns: int = 8,
    class_names: Sequence[str] = CLASSES,
) -> Figure:
    """The ``count`` most confident mistakes, worst first: true class, predicted class, probability."""
    probabilities, labels = probabilities.cpu(), labels.cpu()
    confidence, predicted = probabilities.max(dim=1)
    wrong = (predicted != labels).nonzero().flatten()
    worst = wrong[confidence[wrong].argsort(descending=True)][:count]
    rows = max(1, -(-len(worst) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.6, rows * 2.0), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat, worst.tolist(), strict=False):
        ax.imshow(images[index].cpu().numpy(), cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(
            f"true: {class_names[int(labels[index])]}\npred: {class_names[int(predicted[index])]}"
            f" {float(confidence[index]):.0%}",
            fontsize=7,
        )
    fig.suptitle(f"The {len(worst)} most confident mistakes (of {len(wrong):,}), worst first")
    fig.tight_layout()
    return fig


def reliability_diagram(bins_by_name: Mapping[str, object]) -> Figure:
    """Accuracy against confidence per bin (`calibration.ReliabilityBins`), with the diagonal."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], "k:", label="perfect calibration")
    for name, bins in bins_by_name.items():
        filled = bins.count > 0
        ax.plot(bins.confidence[filled].numpy(), bins.accuracy[filled].numpy(), "o-", label=name)
    ax.set(
        title="Reliability diagram",
        xlabel="confidence (top probability)",
        ylabel="accuracy",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend()
    return fig


def first_layer_weights(weight: torch.Tensor, count: int = 32, columns: int = 8) -> Figure:
    """The first ``count`` hidden units' input weights shown as 28x28 images (red +, blue -)."""
    weight = weight.detach().cpu()[:count].reshape(-1, 28, 28)
    rows = -(-weight.shape[0] // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.25), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for unit, (ax, image) in enumerate(zip(axes.flat, weight, strict=False)):
        limit = float(image.abs().max()) or 1.0
        ax.imshow(image.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {unit}", fontsize=7)
    fig.suptitle("First-layer weights: what each hidden unit looks at")
    return fig


def embedding_2d(
    features: torch.Tensor, labels: torch.Tensor, class_names: Sequence[str] = CLASSES
) -> Figure:
    """Last-hidden-layer features projected on their first two principal components (PCA in torch)."""
    features = features.cpu().double()
    centred = features - features.mean(dim=0)
    _, _, right = torch.linalg.svd(centred, full_matrices=False)  # deterministic, unlike pca_lowrank
    points = (centred @ right[:2].T).numpy()
    labels = labels.cpu().numpy()
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    for index, name in enumerate(class_names):
        chosen = labels == index
        ax.scatter(points[chosen, 0], points[chosen, 1], s=3, alpha=0.5, label=name, color=f"C{index}")
    ax.set(
        title="Last hidden layer, PCA to 2-D, coloured by true class",
        xlabel="principal component 1",
        ylabel="principal component 2",
    )
    ax.legend(markerscale=4, fontsize=8)
    return fig


def confused_pair_examples(
    images: torch.Tensor,
    labels: torch.Tensor,
    predicted: torch.Tensor,
    a: int,
    b: int,
    per_direction: int = 8,
    class_names: Sequence[str] = CLASSES,
) -> Figure:
    """Two rows: images of class ``a`` predicted as ``b``, and of ``b`` predicted as ``a``."""
    labels, predicted = labels.cpu(), predicted.cpu()
    fig, axes = plt.subplots(2, per_direction, figsize=(per_direction * 1.3, 3.2), squeeze=False)
    for row, (true, wrong) in enumerate(((a, b), (b, a))):
        chosen = ((labels == true) & (predicted == wrong)).nonzero().flatten()[:per_direction]
        for col in range(per_direction):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if col < len(chosen):
                ax.imshow(images[int(chosen[col])].cpu().numpy(), cmap="gray_r", vmin=0, vmax=255)
            if col == 0:
                ax.set_ylabel(f"{class_names[true]}\n-> {class_names[wrong]}", fontsize=8)
    fig.suptitle(f"Confused pair: {class_names[a]} vs {class_names[b]} (rows: true -> predicted)")
    return fig


def ablation_steps(rows: Sequence[Mapping[str, object]]) -> Figure:
    """Validation accuracy after each ablation step (`fmnist.lab.frontier.ablation_rows`), top to bottom."""
    accuracies = [100 * float(row["val_accuracy"]) for row in rows]
    labels = [f"{row['step']}. {row['change']}" for row in rows]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(rows) + 1.2))
    positions = list(range(len(rows)))[::-1]
    ax.barh(positions, accuracies, color=[f"C{0 if i else 7}" for i in range(len(rows))])
    for position, accuracy in zip(positions, accuracies, strict=True):
        ax.text(accuracy + 0.05, position, f"{accuracy:.2f}", va="center", fontsize=8)
    low, high = min(accuracies), max(accuracies)
    ax.set_xlim(low - 1.0, high + 0.8)
    ax.set_yticks(positions, labels, fontsize=8)
    where = f" ({rows[0]['machine_class']})" if "machine_class" in rows[0] else ""
    title = f"From reference model 2 to best, one change at a time{where}"
    ax.set(title=title, xlabel="validation accuracy (%)")
    fig.tight_layout()
    return fig


_METHOD_STYLE = {
    "reference": ("s", "tab:gray"),
    "labels": ("o", "tab:blue"),
    "labels-60k": ("D", "tab:green"),
    "ensemble": ("^", "tab:purple"),
    "distilled": ("v", "tab:orange"),
    "cnn": ("X", "tab:red"),
    "sklearn": ("P", "tab:brown"),
}


def _pareto(points: Sequence[tuple[float, float, int]]) -> set[int]:
    """Indices (third item) of the points no other point beats: as cheap or cheaper and as
    accurate or more, one of them strictly."""
    front, best = set(), -1.0
    for _cost, accuracy, index in sorted(points, key=lambda p: (p[0], -p[1])):
        if accuracy > best:
            front.add(index)
            best = accuracy
    return front


def frontier(rows: Sequence[Mapping[str, object]]) -> Figure:
    """Test accuracy (mean ± std over seeds) against the matrix TFLOPs of one seed's training, log
    x-axis: one panel for every CPU, since the compute of a recipe is the same everywhere.

    One point per recipe with a ``train_flops`` (a recipe measured on several CPU classes shows
    its row with the most seeds, the first listed on a tie); flip-averaged rows are left out (the
    same training). Marker and colour by method. Only the points on the frontier (nothing cheaper
    is as accurate), the reference models and the best ensemble are numbered, and the key below
    the axes names each with its accuracy, so that no label can cover another.
    """
    chosen: dict[str, Mapping[str, object]] = {}
    for row in rows:
        if row.get("flip_tta") or not row.get("train_flops"):
            continue
        name = str(row["recipe"])
        if name not in chosen or len(row["seeds"]) > len(chosen[name]["seeds"]):  # type: ignore[arg-type]
            chosen[name] = row
    points = list(chosen.values())
    fig, ax = plt.subplots(figsize=(8.5, 5.6))
    seen: set[str] = set()
    coords = []
    for index, row in enumerate(points):
        method = str(row["method"])
        marker, colour = _METHOD_STYLE.get(method, ("o", "black"))
        tflops = float(row["train_flops"]) / 1e12  # type: ignore[arg-type]
        mean, std = 100 * float(row["test_acc_mean"]), 100 * float(row["test_acc_std"])  # type: ignore[arg-type]
        ax.errorbar(
            tflops,
            mean,
            yerr=std,
            fmt=marker,
            color=colour,
            markersize=6,
            capsize=2,
            label=method if method not in seen else None,
            alpha=0.9,
        )
        seen.add(method)
        coords.append((tflops, mean, index))
    singles = [c for c in coords if str(points[c[2]]["method"]).startswith("labels")]
    ensembles = [c for c in coords if points[c[2]]["method"] == "ensemble"]
    labelled = _pareto(singles) | {c[2] for c in coords if points[c[2]]["method"] == "reference"}
    labelled |= {max(ensembles, key=lambda c: c[1])[2]} if ensembles else set()
    key = []
    for number, (tflops, mean, index) in enumerate(sorted(c for c in coords if c[2] in labelled), start=1):
        row = points[index]
        ax.annotate(
            str(number), (tflops, mean), textcoords="offset points", xytext=(5, 3), fontsize=8, weight="bold"
        )
        key.append(f"{number}  {row['recipe']} (n={len(row['seeds'])}): {mean:.2f}%")  # type: ignore[arg-type]
    ax.set_xscale("log")
    ax.set_xlabel("training compute per seed: matrix TFLOPs (forward and backward), log scale")
    ax.set_ylabel("test accuracy % (mean ± std over seeds)")
    ax.set_title("Fully-connected networks on Fashion-MNIST: accuracy against training compute", fontsize=10)
    accuracies = [c[1] for c in coords]
    if accuracies:
        ax.set_ylim(min(accuracies) - 1.0, max(accuracies) + 0.8)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(title="method", loc="lower right", fontsize=8)
    ax.text(0.0, -0.19, "\n".join(key), transform=ax.transAxes, va="top", fontsize=8, family="monospace")
    fig.tight_layout()
    return fig


def robustness(results: Mapping[str, Mapping[str, float]]) -> Figure:
    """Accuracy per corruption (rows, clean first) for each model (one marker each), from
    `fmnist.robustness.accuracy_under`; each model's mean over the suite in the legend."""
    models = list(results)
    names = list(next(iter(results.values())))
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(names) + 1.6))
    markers = "oDs^vP"
    for index, model in enumerate(models):
        scores = results[model]
        corrupted = [v for k, v in scores.items() if k != "clean"]
        mean = 100 * sum(corrupted) / len(corrupted)
        ax.plot(
            [100 * scores[n] for n in names],
            range(len(names)),
            markers[index % len(markers)],
            markersize=7,
            alpha=0.85,
            label=f"{model} (mean {mean:.1f}%)",
        )
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("test accuracy %")
    ax.grid(True, alpha=0.3)
    ax.legend(
        fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(models), 4), frameon=False
    )
    fig.tight_layout()
    return fig


def alignment_examples(rows: Mapping[str, tuple[torch.Tensor, torch.Tensor]]) -> Figure:
    """Per row (its name on the left), a few images as given and as `fmnist.align` turned them, a
    pair of columns per image: ``rows[name] = (given, aligned)``, each (N, 28, 28) or (N, 1, 28, 28),
    uint8 or floats in [0, 1]."""
    count = next(iter(rows.values()))[0].shape[0]
    fig, axes = plt.subplots(len(rows), 2 * count, figsize=(1.1 * 2 * count, 1.25 * len(rows)), squeeze=False)
    for row, (name, (given, turned)) in enumerate(rows.items()):
        for index in range(count):
            for offset, (images, label) in enumerate(((given, "given"), (turned, "aligned"))):
                ax = axes[row, 2 * index + offset]
                pixels = images[index].reshape(28, 28).float().cpu() / (
                    255 if images.dtype == torch.uint8 else 1
                )
                ax.imshow(pixels, cmap="gray", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                if row == 0:
                    ax.set_title(label, fontsize=8)
        axes[row, 0].set_ylabel(name, fontsize=8, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig


def _optuna_figure(axes: object, title: str) -> Figure:
    """The figure behind what ``optuna.visualization.matplotlib`` returned (axes or an array of them)."""
    first = axes.flat[0] if hasattr(axes, "flat") else axes
    fig = first.figure
    fig.suptitle(title)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # colour bars that tight_layout cannot place
        fig.tight_layout()
    return fig


def _quiet_optuna(plot: object, study: object) -> object:
    """``plot(study)`` without Optuna's "experimental" warnings (the plots are stable enough)."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return plot(study)


def search_history(study: object) -> Figure:
    """Each finished trial's validation accuracy in trial order, and the best so far."""
    from optuna.visualization.matplotlib import plot_optimization_history

    axes = _quiet_optuna(plot_optimization_history, study)
    axes.set_ylabel("validation accuracy")
    axes.figure.set_size_inches(9, 4.5)
    return _optuna_figure(axes, "Optuna study: validation accuracy per trial")


def search_importances(study: object) -> Figure:
    """fANOVA importance of each searched parameter for the validation accuracy."""
    from optuna.visualization.matplotlib import plot_param_importances

    axes = _quiet_optuna(plot_param_importances, study)
    axes.figure.set_size_inches(8, 4.5)
    return _optuna_figure(axes, "Which parameters mattered (fANOVA, finished trials)")


def search_slices(study: object) -> Figure:
    """Validation accuracy against each parameter's value, one panel per parameter."""
    from optuna.visualization.matplotlib import plot_slice

    axes = _quiet_optuna(plot_slice, study)
    first = axes.flat[0] if hasattr(axes, "flat") else axes
    first.figure.set_size_inches(min(3.2 * len(study.best_params), 28), 4)
    return _optuna_figure(axes, "Validation accuracy against each parameter")
