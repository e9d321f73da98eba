"""``python -m munflow.cli ARGS``: the ``munflow`` command."""

import sys

from munflow.cli.commands import main

sys.exit(main())
