"""Merchant AI core: store, importers, analytics, reports and CLI. Never imports Qt."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("merchant-ai")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.1.0"
