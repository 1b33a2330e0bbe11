"""The runsc-py command line: one module per command, as runsc keeps them."""
