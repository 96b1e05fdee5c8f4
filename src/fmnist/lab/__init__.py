"""fmnist.lab: the research machinery, apart from the library it studies.

The recipe registry and the decisions taken on each recipe (`recipes`, `decisions`), the runner
that trains a recipe for a seed and writes its result file (`runner`, `results`), what
`make study` runs on a CPU class (`plan`), the frontier and screening tables and the generated
pages (`frontier`, `report`), the notebook runner, the Optuna search, teachers and distillation,
and the claims that let several processes share one study. The library (`fmnist`) never imports
this package; ``pip install 'fmnist[lab]'`` brings what it needs beyond the library.

    from fmnist import lab
    done = lab.run(lab.get_recipe("seed_small"), fmnist.load_data(), seed=0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fmnist.lazy import lazy_getattr

# public name -> the module of fmnist.lab that defines it
_EXPORTS = {
    "RECIPES": "recipes",
    "Recipe": "recipes",
    "get_recipe": "recipes",
    "Run": "runner",
    "run": "runner",
}

__all__ = ["RECIPES", "Recipe", "Run", "get_recipe", "run"]


# A public name from its module, or a submodule (``fmnist.lab.recipes``), imported on first use.
__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


if TYPE_CHECKING:  # what type checkers and IDEs see
    from fmnist.lab.recipes import RECIPES, Recipe, get_recipe
    from fmnist.lab.runner import Run, run
