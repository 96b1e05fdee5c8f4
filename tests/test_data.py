"""Raw files: verification, filling from .gz sources, clear errors; splits; the batch iterator."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
import torch

import fmnist.data as data
from fmnist.data import DataError, RawFile, Split, iterate_batches, prepare


def _idx_bytes(kind: str, n: int) -> bytes:
    if kind == "images":
        return (2051).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + bytes(784 * n)
    return (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + bytes(i % 10 for i in range(n))


def _install_fake_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contents: dict[str, bytes]) -> None:
    expected = tuple(RawFile(k, len(v), hashlib.sha256(v).hexdigest()) for k, v in contents.items())
    monkeypatch.setattr(data, "RAW_FILES", expected)
    debian = tmp_path / "debian"
    debian.mkdir()
    for name, blob in contents.items():
        (debian / f"{name}.gz").write_bytes(gzip.compress(blob))
    monkeypatch.setattr(data, "DEBIAN_DIR", debian)


def _fake_contents(train_labels: bytes | None = None) -> dict[str, bytes]:
    return {
        "train-images-idx3-ubyte": _idx_bytes("images", 30),
        "train-labels-idx1-ubyte": train_labels or _idx_bytes("labels", 30),
        "t10k-images-idx3-ubyte": _idx_bytes("images", 10),
        "t10k-labels-idx1-ubyte": _idx_bytes("labels", 10),
    }


@pytest.fixture
def fake_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Small but well-formed IDX files; RAW_FILES and the Debian folder point at them."""
    contents = _fake_contents()
    _install_fake_set(tmp_path, monkeypatch, contents)
    return contents


def test_missing_files_are_filled_from_the_debian_folder_and_verified(fake_set, tmp_path):
    raw = prepare(tmp_path / "root", download=False)
    assert raw == tmp_path / "root" / "FashionMNIST" / "raw"
    for name, blob in fake_set.items():
        assert (raw / name).read_bytes() == blob
    assert not list(raw.glob("*.tmp")), "no temp file may be left behind"


def test_nothing_anywhere_gives_one_error_saying_how_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "absent")
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist") as err:
        prepare(tmp_path / "root", download=False)
    assert "train-images-idx3-ubyte" in str(err.value)


def test_a_failed_download_is_reported_with_the_way_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "absent")

    def offline(base: Path) -> None:
        raise OSError("network unreachable")

    monkeypatch.setattr(data, "_download_with_torchvision", offline)
    with pytest.raises(DataError, match=r"download failed .*network unreachable"):
        prepare(tmp_path / "root")


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_a_damaged_file_is_an_error_naming_it_and_is_never_replaced(fake_set, tmp_path, damage):
    raw = prepare(tmp_path / "root", download=False)
    target = raw / "train-labels-idx1-ubyte"
    blob = fake_set[target.name]
    bad = blob[:-3] if damage == "truncate" else blob[:-1] + bytes([blob[-1] ^ 1])
    target.write_bytes(bad)
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.*Delete"):
        prepare(tmp_path / "root", download=False)
    assert target.read_bytes() == bad, "a present file must not be overwritten behind the user's back"


def test_swapped_files_are_recognised_by_their_size(fake_set, tmp_path):
    raw = prepare(tmp_path / "root", download=False)
    train, test = raw / "train-labels-idx1-ubyte", raw / "t10k-labels-idx1-ubyte"
    train_blob = train.read_bytes()
    train.write_bytes(test.read_bytes())
    test.write_bytes(train_blob)
    with pytest.raises(DataError, match="swapped"):
        prepare(tmp_path / "root", download=False)


@pytest.mark.parametrize(
    ("name", "damage", "message"),
    [
        ("train-images-idx3-ubyte", lambda blob: b"\x1f\x8b not really gzip", r"train-images-idx3-ubyte\.gz"),
        (
            "t10k-images-idx3-ubyte",
            lambda blob: blob[:-40],
            r"t10k-images-idx3-ubyte\.gz .*damaged or truncated",
        ),
    ],
    ids=["not-gzip", "truncated"],
)
def test_a_damaged_or_truncated_gz_source_is_reported_and_leaves_nothing(
    fake_set, tmp_path, name, damage, message
):
    gz = tmp_path / "debian" / f"{name}.gz"
    gz.write_bytes(damage(gz.read_bytes()))
    with pytest.raises(DataError, match=message):
        prepare(tmp_path / "root", download=False)
    raw = tmp_path / "root" / "FashionMNIST" / "raw"
    assert not (raw / name).exists()
    assert not list(raw.glob(".*tmp"))


def test_a_partly_present_set_gets_only_its_missing_files(fake_set, tmp_path):
    raw = prepare(tmp_path / "root", download=False)
    kept = raw / "train-images-idx3-ubyte"
    kept_inode = kept.stat().st_ino
    (raw / "t10k-labels-idx1-ubyte").unlink()
    prepare(tmp_path / "root", download=False)
    assert (raw / "t10k-labels-idx1-ubyte").read_bytes() == fake_set["t10k-labels-idx1-ubyte"]
    assert kept.stat().st_ino == kept_inode, "a good file already present is left alone"


def test_a_wrong_magic_number_is_named(fake_set, tmp_path):
    raw = prepare(tmp_path / "root", download=False)
    target = raw / "t10k-images-idx3-ubyte"
    target.write_bytes((2049).to_bytes(4, "big") + target.read_bytes()[4:])
    with pytest.raises(DataError, match="magic number 2049, expected 2051"):
        prepare(tmp_path / "root", download=False)


def test_image_and_label_counts_that_disagree_are_an_error(tmp_path, monkeypatch):
    _install_fake_set(tmp_path, monkeypatch, _fake_contents(train_labels=_idx_bytes("labels", 29)))
    with pytest.raises(DataError, match=r"30 images but .*train-labels-idx1-ubyte holds 29 labels"):
        data.load_data(tmp_path / "root", val_size=5)


def test_labels_out_of_range_are_an_error_naming_the_file(tmp_path, monkeypatch):
    bad_labels = (2049).to_bytes(4, "big") + (30).to_bytes(4, "big") + bytes([12] * 30)
    _install_fake_set(tmp_path, monkeypatch, _fake_contents(train_labels=bad_labels))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte has labels outside 0\.\.9"):
        data.load_data(tmp_path / "root", val_size=5)


def test_a_read_only_data_folder_says_how_to_fix_it(fake_set, tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(data.tempfile, "mkstemp", read_only)  # root ignores chmod: simulate it
    with pytest.raises(DataError, match=r"Cannot write to .*FMNIST_DATA"):
        prepare(tmp_path / "root", download=False)


def test_real_data_splits_are_48000_12000_10000_uint8_and_seeded():
    first, again, other = data.load_data(seed=0), data.load_data(seed=0), data.load_data(seed=1)
    assert (len(first.train), len(first.val), len(first.test)) == (48_000, 12_000, 10_000)
    assert first.train.images.dtype == torch.uint8 and first.train.images.shape[1:] == (28, 28)
    assert first.train.labels.dtype == torch.int64
    assert torch.equal(first.val.labels, again.val.labels)
    assert not torch.equal(first.val.labels, other.val.labels)
    # Train and validation partition the original 60,000: every class keeps its 6,000 images.
    counts = torch.bincount(torch.cat([first.train.labels, first.val.labels]), minlength=10)
    assert counts.tolist() == [6_000] * 10


def test_split_rejects_mismatched_images_and_labels():
    with pytest.raises(ValueError, match="labels"):
        Split(torch.zeros(5, 28, 28, dtype=torch.uint8), torch.zeros(4, dtype=torch.long))


def test_batches_cover_every_example_once_in_a_seeded_order():
    split = Split(
        torch.arange(100).to(torch.uint8).view(100, 1, 1).expand(100, 28, 28).clone(), torch.arange(100)
    )

    def order(seed: int) -> list[int]:
        gen = torch.Generator().manual_seed(seed)
        return torch.cat([y for _, y in iterate_batches(split, 32, shuffle=True, generator=gen)]).tolist()

    assert sorted(order(0)) == list(range(100))
    assert order(0) == order(0)
    assert order(0) != order(1)


def test_batches_are_normalized_shaped_and_drop_last_drops_the_remainder():
    split = Split(torch.full((10, 28, 28), 255, dtype=torch.uint8), torch.zeros(10, dtype=torch.long))
    batches = list(iterate_batches(split, 4, drop_last=True))
    assert [x.shape for x, _ in batches] == [(4, 1, 28, 28)] * 2
    x, y = batches[0]
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.allclose(x, torch.full_like(x, (1.0 - data.PIXEL_MEAN) / data.PIXEL_STD))
    assert len(list(iterate_batches(split, 4))) == 3


def test_the_augment_hook_sees_whole_batches_in_unit_range_before_normalization():
    split = Split(torch.full((6, 28, 28), 255, dtype=torch.uint8), torch.zeros(6, dtype=torch.long))
    seen = []

    def blackout(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
        seen.append((x.shape[0], float(x.max())))
        return torch.zeros_like(x), y + 1

    x, y = next(iterate_batches(split, 6, augment=blackout))
    assert y.tolist() == [1] * 6
    assert seen == [(6, 1.0)]
    assert torch.allclose(x, torch.full_like(x, -data.PIXEL_MEAN / data.PIXEL_STD))
