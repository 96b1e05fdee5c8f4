"""Find, prepare and verify the raw Fashion-MNIST files; hold the splits as tensors; iterate batches.

The raw files live in torchvision's standard layout, ``<root>/FashionMNIST/raw``, uncompressed.
Missing files are filled from the Debian package ``dataset-fashion-mnist`` when it is installed,
else by torchvision's own download. Every file is checked (size and sha256 of the uncompressed
content) before use, so a truncated, corrupted or swapped file is an error, never a wrong dataset.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.datasets import FashionMNIST

from fmnist.models import CLASSES as CLASSES  # the outputs' names are the labels' names too
from fmnist.paths import project_root
from fmnist.pixels import PIXEL_MEAN as PIXEL_MEAN
from fmnist.pixels import PIXEL_STD as PIXEL_STD

DATA_ENV = "FMNIST_DATA"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DEBIAN_PACKAGE = "dataset-fashion-mnist"


IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # the IDX headers' first four bytes, big-endian


@dataclass(frozen=True)
class RawFile:
    """One of the four original files: its uncompressed name, size and sha256."""

    name: str
    size: int
    sha256: str

    @property
    def magic(self) -> int:
        """The IDX magic number this file must start with."""
        return IMAGES_MAGIC if "images" in self.name else LABELS_MAGIC


RAW_FILES: tuple[RawFile, ...] = (
    RawFile(
        "train-images-idx3-ubyte",
        47_040_016,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    RawFile(
        "train-labels-idx1-ubyte",
        60_008,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    RawFile(
        "t10k-images-idx3-ubyte",
        7_840_016,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    RawFile(
        "t10k-labels-idx1-ubyte",
        10_008,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
)

_HOW_TO_GET = (
    "To get the data: on Debian/Ubuntu run `sudo apt-get install dataset-fashion-mnist` "
    "(or simply `make run` / `make test`, which do it when run as root); elsewhere download the "
    "four files from https://github.com/zalandoresearch/fashion-mnist into {raw} "
    "(gzipped or not), or set FMNIST_DATA to a folder that holds FashionMNIST/raw."
)


class DataError(RuntimeError):
    """The raw data is missing, damaged or cannot be prepared; the message says how to fix it."""


def default_root() -> Path:
    """The data root: ``$FMNIST_DATA`` if set, else the repository's ``data/`` folder."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser().resolve()
    root = project_root()
    return (root if root is not None else Path.cwd()) / "data"


def raw_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``<root>/FashionMNIST/raw``, where torchvision expects the uncompressed files."""
    base = Path(root).expanduser().resolve() if root is not None else default_root()
    return base / "FashionMNIST" / "raw"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_idx_header(path: Path) -> tuple[int, int]:
    """The (magic number, item count) at the start of an IDX file; (-1, -1) if too short."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if len(head) < 8:
        return -1, -1
    return int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")


def verify_file(path: Path, expected: RawFile) -> None:
    """Raise `DataError` unless ``path`` has exactly the expected size and sha256."""
    fix = f"Delete {path} and run again to restore it from a good copy."
    magic, _ = read_idx_header(path)
    if magic != expected.magic:
        kind = "images" if expected.magic == IMAGES_MAGIC else "labels"
        raise DataError(
            f"{path} starts with magic number {magic}, expected {expected.magic} "
            f"(an IDX {kind} file): it is not {expected.name}. {fix}"
        )
    size = path.stat().st_size
    if size != expected.size:
        other = next((f.name for f in RAW_FILES if f.size == size), None)
        hint = f" It has the size of {other}: were the files swapped or renamed?" if other else ""
        raise DataError(
            f"{path} has {size:,} bytes, expected {expected.size:,} "
            f"(truncated or not {expected.name}).{hint} {fix}"
        )
    if _sha256(path) != expected.sha256:
        raise DataError(f"{path} has the right size but the wrong sha256 (corrupted). {fix}")


def _gunzip_verified(source: Path, target: RawFile, raw: Path) -> None:
    """Decompress ``source`` into ``raw/target.name`` through a temp file, verified before rename.

    On any failure the temp file is removed and no file named ``target.name`` is created.
    """
    fd, tmp_name = tempfile.mkstemp(dir=raw, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, gzip.open(source, "rb") as src:
            shutil.copyfileobj(src, out, length=1 << 20)
        verify_file(tmp, target)
        tmp.chmod(0o644)
        os.replace(tmp, raw / target.name)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise DataError(
            f"Could not decompress {source} ({err}): the file is damaged or truncated. Delete it, "
            f"or reinstall its source (`apt-get install --reinstall {DEBIAN_PACKAGE}`)."
        ) from err
    except DataError as err:
        raise DataError(f"{source} does not hold a good {target.name}: {err}") from err
    except OSError as err:
        raise DataError(
            f"Could not write {raw / target.name} ({err}): check free space and permissions."
        ) from err
    finally:
        tmp.unlink(missing_ok=True)


def _fill_from_gz(raw: Path, sources: list[Path]) -> None:
    """Fill missing files from ``<name>.gz`` found in ``sources`` (first match wins)."""
    for target in RAW_FILES:
        if (raw / target.name).exists():
            continue
        for folder in sources:
            gz = folder / f"{target.name}.gz"
            if gz.is_file():
                _gunzip_verified(gz, target, raw)
                break


def _download_with_torchvision(base: Path) -> None:
    """torchvision's own download; it writes into the same raw folder."""
    for train in (True, False):
        FashionMNIST(str(base), train=train, download=True)


def prepare(root: str | os.PathLike[str] | None = None, *, download: bool = True) -> Path:
    """Make sure the four verified raw files are in ``<root>/FashionMNIST/raw``; return that path.

    Missing files come, in order, from ``.gz`` files already in the raw folder, the Debian
    package's folder, then (if ``download``) torchvision's download. A present but damaged file
    is never replaced silently: it raises `DataError` naming the file and the fix.
    """
    raw = raw_dir(root)
    missing = [f for f in RAW_FILES if not (raw / f.name).exists()]
    if missing:
        try:
            raw.mkdir(parents=True, exist_ok=True)
            _fill_from_gz(raw, [raw, DEBIAN_DIR])
        except PermissionError as err:
            raise DataError(
                f"Cannot write to {raw} ({err}). Make the folder writable, or point FMNIST_DATA "
                "(or the root argument) to a writable folder."
            ) from err
        missing = [f for f in RAW_FILES if not (raw / f.name).exists()]
    if missing and download:
        try:
            _download_with_torchvision(raw.parent.parent)
        except Exception as err:  # network errors come in many types; report them all the same
            names = ", ".join(f.name for f in missing)
            raise DataError(
                f"Fashion-MNIST files missing in {raw}: {names}; torchvision's download failed "
                f"({type(err).__name__}: {err}). " + _HOW_TO_GET.format(raw=raw)
            ) from err
        missing = [f for f in RAW_FILES if not (raw / f.name).exists()]
    if missing:
        names = ", ".join(f.name for f in missing)
        raise DataError(f"Fashion-MNIST files missing in {raw}: {names}. " + _HOW_TO_GET.format(raw=raw))
    for expected in RAW_FILES:
        verify_file(raw / expected.name, expected)
    return raw


@dataclass(frozen=True)
class Split:
    """Images (uint8, N x 28 x 28) and labels (int64, N) of one split, on one device."""

    images: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.images.shape[1:] != (28, 28):
            raise ValueError(f"images must be N x 28 x 28, got {tuple(self.images.shape)}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(f"{self.images.shape[0]} images but labels of shape {tuple(self.labels.shape)}")

    def __len__(self) -> int:
        return self.labels.shape[0]

    def to(self, device: torch.device | str) -> Split:
        """The same split on ``device``."""
        return Split(self.images.to(device), self.labels.to(device))

    def subset(self, n: int) -> Split:
        """The first ``n`` examples (the split is already shuffled)."""
        return Split(self.images[:n], self.labels[:n])


@dataclass(frozen=True)
class Splits:
    """The three splits: ``train`` and ``val`` from the original training set, and ``test``."""

    train: Split
    val: Split
    test: Split

    def to(self, device: torch.device | str) -> Splits:
        """All splits on ``device``."""
        return Splits(self.train.to(device), self.val.to(device), self.test.to(device))

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(getattr(self, name)):,}" for name in ("train", "val", "test"))
        return f"Splits({sizes})"


def _read(root: Path, train: bool) -> Split:
    prefix = "train" if train else "t10k"
    raw = raw_dir(root)
    images_file, labels_file = raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"
    n_images, n_labels = read_idx_header(images_file)[1], read_idx_header(labels_file)[1]
    if n_images != n_labels:
        raise DataError(
            f"{images_file} holds {n_images:,} images but {labels_file} holds {n_labels:,} labels: "
            "the two files do not belong together. Delete both and run again."
        )
    dataset = FashionMNIST(str(root), train=train, download=False)
    labels = dataset.targets
    if labels.min() < 0 or labels.max() >= len(CLASSES):
        raise DataError(
            f"{labels_file} has labels outside 0..{len(CLASSES) - 1} (found {int(labels.min())}.."
            f"{int(labels.max())}): the file is damaged. Delete it and run again."
        )
    return Split(dataset.data.clone(), labels.clone())


def load_data(root: str | os.PathLike[str] | None = None, *, val_size: int = 12_000, seed: int = 0) -> Splits:
    """Load Fashion-MNIST as uint8 tensors, split 48,000 / 12,000 / 10,000 (train / val / test).

    ``root`` defaults to ``$FMNIST_DATA``, then the repository's ``data/``. The validation split is
    a seeded random subset of the original training set; the same seed always gives the same split.
    """
    if not 0 < val_size < 60_000:
        raise ValueError(f"val_size must be between 1 and 59,999, got {val_size}")
    raw = prepare(root)
    base = raw.parent.parent
    full_train, test = _read(base, train=True), _read(base, train=False)
    order = torch.randperm(len(full_train), generator=torch.Generator().manual_seed(seed))
    val_idx, train_idx = order[:val_size], order[val_size:]
    return Splits(
        train=Split(full_train.images[train_idx], full_train.labels[train_idx]),
        val=Split(full_train.images[val_idx], full_train.labels[val_idx]),
        test=test,
    )


# (images in [0, 1] (B, 1, 28, 28), targets, generator) -> (images, targets); see fmnist.augment
Augment = Callable[[torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 (or [0, 1] float) images -> float32 standardized with the training-set statistics."""
    x = images.float()
    if images.dtype == torch.uint8:
        x = x / 255.0
    return (x - PIXEL_MEAN) / PIXEL_STD


def iterate_batches(
    split: Split,
    batch_size: int,
    *,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    drop_last: bool = False,
    augment: Augment | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(x, y)`` batches from in-memory tensors: x float (B, 1, 28, 28) normalized, y int64.

    Shuffling draws from ``generator`` (seed it for repeatable order). ``augment`` receives the
    whole batch scaled to [0, 1], its labels and the generator, before normalization, and returns
    both (mixup-style augmentations return class probabilities (B, 10) as y). Data already on
    ``device`` is not copied.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    device = torch.device(device) if device is not None else split.images.device
    n = len(split)
    if shuffle:
        order = torch.randperm(n, generator=generator).to(split.images.device)
    else:
        order = torch.arange(n, device=split.images.device)
    stop = n - n % batch_size if drop_last else n
    scale, shift = 1.0 / (255.0 * PIXEL_STD), PIXEL_MEAN / PIXEL_STD
    on_uint8 = getattr(augment, "on_uint8", None)  # geometric augmentations: one gather on the raw bytes
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        # index_select gathers rows several times faster than advanced indexing on CPU.
        images = split.images.index_select(0, idx).to(device, non_blocking=True)
        labels = split.labels.index_select(0, idx).to(device, non_blocking=True)
        if on_uint8 is not None:
            images, labels = on_uint8(images.unsqueeze(1), labels, generator)
            x = images.float().div_(255.0)
            if augment.then is not None:  # what follows the flips and shifts (mixup, say), on floats
                x, labels = augment.then(x, labels, generator)
            yield normalize(x), labels
            continue
        x = images.unsqueeze(1).float()
        if augment is None:
            yield x.mul_(scale).sub_(shift), labels  # (x / 255 - mean) / std in two in-place ops
            continue
        x, labels = augment(x.div_(255.0), labels, generator)
        yield normalize(x), labels
