"""``python -m corridor`` is the ``corridor`` command."""

import sys

from corridor.cli import main

sys.exit(main())
