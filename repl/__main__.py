"""``python -m redipy.repl``: the same as ``redipy-shell``."""

from __future__ import annotations

import sys

from redipy.repl.app import main

sys.exit(main())
