"""``python -m fmnist``: see `fmnist.lab.cli`."""

import sys

from fmnist.lab.cli import main

sys.exit(main())
