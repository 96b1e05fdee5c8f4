"""Every matplotlib figure the notebooks and README use: one function per figure, each returns it.

Functions take plain tensors and results, never train or load anything themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from fmnist.data import CLASSES, Split
from fmnist.paths import assets_dir
from fmnist.train import History


def save_figure(fig: Figure, name: str) -> str:
    """Save ``fig`` as ``assets/<name>.png`` (a temp folder in quick mode); return the path."""
    path = assets_dir() / f"{name}.png"
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
