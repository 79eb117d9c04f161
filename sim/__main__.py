"""``python -m sim`` is the ``fsim`` command."""

import sys

from sim.cli import main

sys.exit(main())
