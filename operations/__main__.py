"""``python -m operations``: migrate the store, manage users, read the audit log, import the reports export."""

import sys

from operations.cli import main

sys.exit(main())
