"""Command line: ``python -m pipelines {demo,build,bench,docs}``."""

from pipelines.cli import main

raise SystemExit(main())
