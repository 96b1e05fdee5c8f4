"""torch.hub: the shipped models load from a clone with ``source="local"``, from any folder, with
no install and torch alone, and predict exactly what `fmnist.load_pretrained` predicts."""

from __future__ import annotations

import json
import subprocess
import sys

import torch

from fmnist.paths import project_root
from fmnist.pretrained import available, default_name, load_pretrained

ENTRIES = {"mlp": None, "seed_small": "seed_small", "seed_deep": "seed_deep", "best": "best"}

# Runs in a fresh interpreter, in an empty folder, with the editable install's path removed and
# every non-torch dependency of the package (and its research code) refused at import.
LOADER = """
import importlib.abc, json, os, sys
clone, images_file = sys.argv[1], sys.argv[2]
src = os.path.realpath(os.path.join(clone, "src"))
sys.path = [p for p in sys.path if os.path.realpath(p or ".") != src]
BLOCKED = {"torchvision", "matplotlib", "PIL", "optuna", "sqlalchemy", "tqdm", "pandas"}
RESEARCH = {"fmnist.data", "fmnist.train", "fmnist.lab.recipes", "fmnist.lab.runner", "fmnist.lab.results"}

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED or name in RESEARCH:
            raise ImportError(f"{name} imported: a hub load must need torch alone")

sys.meta_path.insert(0, Refuse())
import torch
images = torch.load(images_file)
out = {}
for entry in sys.argv[3:]:
    model = torch.hub.load(clone, entry, source="local")
    assert not model.training, entry
    out[entry] = {"recipe": model.metadata.get("recipe"), "logits": model(images).tolist()}
out["fmnist_file"] = sys.modules["fmnist"].__file__
print(json.dumps(out))
"""


def test_every_entry_point_loads_from_a_clone_outside_it_with_torch_alone(tmp_path):
    root = project_root()
    images = torch.randn(5, 784, generator=torch.Generator().manual_seed(0))  # normalized images
    torch.save(images, tmp_path / "images.pt")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    entries = [e for e, name in ENTRIES.items() if name is None or name in available()]
    assert {"mlp", "seed_deep", "best"} <= set(entries)
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(root), str(tmp_path / "images.pt"), *entries],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["fmnist_file"].startswith(str(root / "src")), "hubconf reads the clone's own src/"
    for entry in entries:
        expected = load_pretrained(ENTRIES[entry])
        with torch.no_grad():
            assert torch.equal(torch.tensor(out[entry]["logits"]), expected(images)), entry
        assert out[entry]["recipe"] == expected.metadata.get("recipe")
    assert ENTRIES["mlp"] is None and load_pretrained().metadata == load_pretrained(default_name()).metadata
