"""`python -m pytest_piv` is the `piv` command."""

import sys

from pytest_piv.cli import main

sys.exit(main())
