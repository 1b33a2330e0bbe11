"""The runsc-py sentry: sandbox setup, platforms, syscall handlers, CLI."""
