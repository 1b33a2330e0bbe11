"""`python runsc.py ...` does what the `runsc-py` console script does."""

import sys

from sentry.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
