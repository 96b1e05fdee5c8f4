"""fit(): learns, is bit-reproducible on CPU, keeps the best epoch, stops clearly on NaN."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from fmnist.models import build_model
from fmnist.train import TrainConfig, TrainingDivergedError, choose_device, fit, recipe_of, set_seed

CPU = {"device": "cpu", "progress": False, "batch_size": 32}


def _trained(splits, seed: int = 0, **overrides):
    set_seed(seed)
    model = build_model("seed_small")
    history = fit(model, splits, TrainConfig(**{"epochs": 3, "lr": 3e-3, "seed": seed, **CPU, **overrides}))
    return model, history


def _interrupt_at_epoch(monkeypatch, epoch: int):
    """Make fit's epoch number ``epoch`` raise KeyboardInterrupt (a notebook's stop button).

    Returns a function that restores normal epochs.
    """
    import fmnist.train as train

    original, calls = train._train_one_epoch, {"n": 0}

    def interrupting(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == epoch:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(train, "_train_one_epoch", interrupting)
    return lambda: monkeypatch.setattr(train, "_train_one_epoch", original)


def test_fit_learns_the_synthetic_task(splits):
    _, history = _trained(splits)
    assert history.column("val_acc")[-1] > 0.9
    assert history.column("train_loss")[-1] < history.column("train_loss")[0]
    assert [r["epoch"] for r in history.epochs] == [1, 2, 3]
    assert all(r["seconds"] > 0 for r in history.epochs)


def test_same_seed_gives_the_same_history_and_weights_bit_for_bit(splits):
    (model_a, hist_a), (model_b, hist_b) = _trained(splits), _trained(splits)
    timings = ("seconds", "train_seconds")
    strip = [{k: v for k, v in r.items() if k not in timings} for r in hist_a.epochs]
    assert strip == [{k: v for k, v in r.items() if k not in timings} for r in hist_b.epochs]
    for a, b in zip(model_a.state_dict().values(), model_b.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    _, hist_c = _trained(splits, seed=1)
    assert hist_c.column("train_loss") != hist_a.column("train_loss")


def test_the_weights_of_the_best_validation_epoch_are_kept(splits):
    model, history = _trained(splits, epochs=4, lr=0.05)  # a high lr makes epochs differ
    val_acc = history.column("val_acc")
    assert history.best_epoch == val_acc.index(max(val_acc)) + 1
    from fmnist.evaluate import evaluate

    assert evaluate(model, splits.val.images, splits.val.labels).accuracy == max(val_acc)


def test_a_nan_loss_stops_training_naming_epoch_step_and_the_fix(splits):
    set_seed(0)
    model = build_model("seed_small")
    with torch.no_grad():
        model.layers[1].weight[0, 0] = float("nan")
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, step 1 .*lower the learning rate"):
        fit(model, splits, TrainConfig(epochs=1, **CPU))


def test_keyboard_interrupt_returns_the_history_so_far_with_best_weights(splits, monkeypatch):
    _interrupt_at_epoch(monkeypatch, 3)
    model, history = _trained(splits, epochs=5)
    assert history.interrupted and len(history.epochs) == 2
    assert history.best_epoch in (1, 2)
    assert not model.training


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs"),
        ({"lr": 0}, "lr"),
        ({"optimizer": "rmsprop"}, "optimizer must be one of 'adam', 'adamw', 'sgd', 'lion'"),
        ({"schedule": "step"}, "schedule must be one of 'constant', 'onecycle', 'cosine', got 'step'"),
        ({"ema_decay": 1.0}, "ema_decay must be in"),
    ],
)
def test_bad_config_is_rejected_with_the_field_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


@pytest.mark.parametrize(("optimizer", "lr"), [("adamw", 3e-3), ("sgd", 0.01), ("lion", 3e-4)])
def test_other_optimizers_train(splits, optimizer, lr):
    _, history = _trained(splits, optimizer=optimizer, lr=lr)
    assert history.column("val_acc")[-1] > 0.5


def test_device_choice_honours_an_explicit_device():
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device().type in ("cuda", "mps", "cpu")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"optimizer": "lion", "lr": 3e-4, "schedule": "onecycle"},
        {"optimizer": "adamw", "weight_decay": 0.05, "ema_decay": 0.9},
    ],
)
def test_a_resumed_run_ends_with_the_same_weights_as_an_uninterrupted_one(
    splits, monkeypatch, tmp_path, options
):
    uninterrupted, full_history = _trained(splits, epochs=4, **options)

    state = tmp_path / "state.pt"
    restore = _interrupt_at_epoch(monkeypatch, 3)
    _, partial = _trained(splits, epochs=4, checkpoint_path=str(state), **options)
    assert partial.interrupted and len(partial.epochs) == 2
    restore()

    set_seed(123)  # a fresh model with other weights: everything must come from the state file
    resumed = build_model("seed_small")
    config = TrainConfig(
        **{"epochs": 4, "lr": 3e-3, "seed": 0, "checkpoint_path": str(state), **CPU, **options}
    )
    history = fit(resumed, splits, config, resume_from=state)
    assert [r["epoch"] for r in history.epochs] == [1, 2, 3, 4]
    assert history.column("val_loss") == full_history.column("val_loss")
    assert history.best_epoch == full_history.best_epoch
    for a, b in zip(uninterrupted.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_resuming_with_another_config_is_refused(splits, tmp_path):
    from fmnist.checkpoint import CheckpointError

    state = tmp_path / "state.pt"
    _trained(splits, epochs=1, checkpoint_path=str(state))
    with pytest.raises(CheckpointError, match="another config"):
        fit(build_model("seed_small"), splits, TrainConfig(epochs=2, lr=1e-2, **CPU), resume_from=state)


@pytest.mark.parametrize(
    "options",
    [
        {"schedule": "onecycle", "optimizer": "adamw", "weight_decay": 0.05},
        {"schedule": "cosine", "warmup_epochs": 1, "label_smoothing": 0.1, "grad_clip": 1.0},
        {"ema_decay": 0.9, "augment": ("hflip", "mixup:0.2"), "tta": True},
        {"optimizer": "sgd", "lr": 0.05, "schedule": "onecycle", "augment": ("translate:1", "erase:0.3")},
        {"augment": ("rotate:10", "scale:0.1", "brightness:0.3", "contrast:0.5", "noise:0.1", "blur:0.5")},
    ],
)
def test_recipe_options_train_and_stay_reproducible(splits, options):
    (model_a, hist_a), (model_b, hist_b) = _trained(splits, **options), _trained(splits, **options)
    assert hist_a.column("val_acc")[-1] > 0.5
    assert hist_a.column("train_loss") == hist_b.column("train_loss")
    for a, b in zip(model_a.state_dict().values(), model_b.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_schedules_reach_the_peak_and_end_low(splits):
    from fmnist.train import _make_schedule, make_optimizer

    for schedule in ("onecycle", "cosine"):
        config = TrainConfig(epochs=2, lr=0.1, schedule=schedule, warmup_epochs=0.5, **CPU)
        optimizer = make_optimizer(build_model("seed_small"), config)
        steps = _make_schedule(optimizer, config, steps_per_epoch=10)
        rates = []
        for _ in range(20):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            steps.step()
        assert max(rates) == pytest.approx(0.1, rel=0.05) and rates[-1] < 0.01


@pytest.mark.parametrize(("average", "stop"), [({"ema_decay": 0.9}, 2)])
def test_a_weight_average_resumes_as_an_uninterrupted_run_ends(splits, tmp_path, monkeypatch, average, stop):
    options = {"epochs": 3, "schedule": "onecycle", "augment": ("mixup:0.2",), **average}
    reference, _ = _trained(splits, **options)
    state = tmp_path / "state.pt"
    restore = _interrupt_at_epoch(monkeypatch, stop)
    _trained(splits, checkpoint_path=str(state), **options)
    restore()
    set_seed(99)
    resumed = build_model("seed_small")
    fit(
        resumed,
        splits,
        TrainConfig(seed=0, lr=3e-3, checkpoint_path=str(state), **CPU, **options),
        resume_from=state,
    )
    for a, b in zip(reference.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_unknown_augmentation_in_config_fails_at_once():
    with pytest.raises(ValueError, match="unknown augmentation"):
        TrainConfig(augment=("solarize",))


@pytest.mark.parametrize("knob", ["sam_rho", "swa_epochs", "swa_lr", "decay_norms_and_biases"])
def test_a_knob_that_lost_everywhere_is_gone_from_the_config(knob):
    assert knob not in {f.name for f in dataclasses.fields(TrainConfig)}
    with pytest.raises(TypeError, match=knob):
        TrainConfig(**{knob: 1})


@pytest.mark.parametrize("every, saved", [(0.0, [1, 2, 3, 4]), (3600.0, [1, 4])])
def test_the_state_is_saved_once_checkpoint_every_seconds_have_passed_and_after_the_last_epoch(
    splits, monkeypatch, tmp_path, every, saved
):
    import fmnist.train as train

    epochs, original = [], train.save_training_state
    monkeypatch.setattr(
        train, "save_training_state", lambda s, p: (epochs.append(s["epoch"]), original(s, p))
    )
    config = {"epochs": 4, "checkpoint_path": str(tmp_path / "state.pt"), "checkpoint_every": every}
    _trained(splits, **config)
    assert epochs == saved
    assert recipe_of(TrainConfig(checkpoint_every=every)) == recipe_of(TrainConfig()), "not part of a key"
    with pytest.raises(ValueError, match="checkpoint_every"):
        TrainConfig(checkpoint_every=-1)
