"""``python -m fmnist``: see `fmnist.cli`."""

import sys

from fmnist.cli import main

sys.exit(main())
