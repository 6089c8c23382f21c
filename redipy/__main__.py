"""``python -m redipy``: the ``redipy`` command (migrate, dump, load, compare)."""

import sys

from redipy.migrate.cli import main

sys.exit(main())
