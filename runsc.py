"""`python runsc.py ...` does what the `runsc-py` console script does."""

from sentry.cli.main import main

if __name__ == "__main__":
    main()
