"""The one C extension; everything else about the package is in pyproject.toml.

audit._scanloop is the verifier's per-entry loop over OpenSSL's SHA-256 (libssl-dev to
build). It is optional: where it cannot be built, audit.scan runs the same checks in
Python, only slower; the test suite fails in CI without it.
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("audit._scanloop", ["audit/_scanloop.c"], libraries=["crypto"], optional=True)])
