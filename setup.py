"""Builds the C fast path (csrc/) with cffi when the package installs."""

from setuptools import setup

setup(cffi_modules=["csrc/build_native.py:ffibuilder"])
