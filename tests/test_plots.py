"""Every plot function renders on the Agg backend, with a title and labelled axes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import torch

from fmnist import plots
from fmnist.train import History


def _rendered(fig) -> None:
    fig.canvas.draw()
    titles = [fig._suptitle.get_text() if fig._suptitle else ""] + [ax.get_title() for ax in fig.axes]
    assert any(titles), "every figure needs a title"
    plt.close(fig)


def _history() -> History:
    records = [
        {
            "epoch": e,
            "train_loss": 1 / e,
            "train_acc": 0.5 + e / 10,
            "val_loss": 1.1 / e,
            "val_acc": 0.5 + e / 11,
            "seconds": 1.0,
        }
        for e in (1, 2, 3)
    ]
    return History(epochs=records, best_epoch=3)


def test_every_figure_renders(splits):
    image = splits.test.images[0]
    _rendered(plots.sample_grid(splits.train, per_class=3))
    _rendered(plots.image_with_pixels(image))
    counts = {"train": torch.bincount(splits.train.labels, minlength=10)}
    _rendered(plots.class_balance(counts))
    _rendered(plots.mean_images(splits.train))
    _rendered(plots.training_curves({"run": _history()}))
    _rendered(plots.image_with_probabilities(image, torch.softmax(torch.randn(10), 0), true_label=3))
    rows = [{"step": i, "change": f"change {i}", "val_accuracy": 0.88 + 0.01 * i} for i in range(4)]
    _rendered(plots.ablation_steps(rows))
    given = splits.train.images[:3]
    _rendered(plots.alignment_examples({"clean": (given, given.float() / 255), "shifted": (given, given)}))


def test_every_evaluation_figure_renders(splits):
    from fmnist import calibration
    from fmnist.evaluate import evaluate, hidden_features, per_class_metrics, predict
    from fmnist.models import build_model

    torch.manual_seed(0)
    model = build_model("seed_small").eval()
    test = splits.test
    result = evaluate(model, test.images, test.labels)
    prediction = predict(model, test.images)
    _rendered(plots.confusion_matrices(result.confusion))
    _rendered(plots.per_class_table(per_class_metrics(result.confusion)))
    _rendered(plots.misclassified_gallery(test.images, test.labels, prediction.probabilities, count=10))
    bins = calibration.reliability_bins(prediction.probabilities, test.labels)
    _rendered(plots.reliability_diagram({"raw": bins}))
    _rendered(plots.first_layer_weights(model.layers[1].weight, count=16))
    _rendered(plots.embedding_2d(hidden_features(model, test.images), test.labels))
    _rendered(plots.confused_pair_examples(test.images, test.labels, prediction.labels, 0, 1))


def test_confusion_figure_names_classes_on_both_axes():
    fig = plots.confusion_matrices(torch.eye(10, dtype=torch.long) * 5)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][6] == "Shirt"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    plt.close(fig)


def test_training_curves_label_axes():
    fig = plots.training_curves({"run": _history()})
    assert [ax.get_xlabel() for ax in fig.axes] == ["epoch", "epoch"]
    assert fig.axes[1].get_ylabel() == "accuracy (%)"
    plt.close(fig)


def test_save_figure_writes_only_into_the_folder_it_is_given(tmp_path):
    fig = plots.mean_images(__import__("conftest").synthetic_split(50, 0))
    path = plots.save_figure(fig, "mean_images_test", tmp_path / "figures")
    assert path == str(tmp_path / "figures" / "mean_images_test.png") and Path(path).is_file()
    plt.close(fig)


def test_the_labs_figures_folder_is_outside_the_repository_in_quick_mode():
    from fmnist.lab.folders import assets_dir

    assert "fmnist-quick-assets" in str(assets_dir())
