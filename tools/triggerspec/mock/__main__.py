"""``python -m triggerspec.mock``: run the mock server."""

import sys

from triggerspec.mock.cli import main

sys.exit(main())
