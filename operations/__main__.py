"""``python -m operations``: migrate the store, manage users, read the audit log, import reports, meeting packs."""

import sys

from operations.cli import main

sys.exit(main())
