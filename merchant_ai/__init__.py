"""Merchant AI core: store, importers, analytics, reports and CLI. Never imports Qt."""

import os
import sys
from importlib.metadata import PackageNotFoundError, version

# On Linux pyarrow's own allocator (mimalloc) made the first big job of a session slow: a UCI
# import took 1.6-1.9 s the first time and ~1.4 s after, the first sales read 1.17 s against
# ~0.8 s; with the C library's allocator the first import takes ~1.5 s and the first read ~0.94 s,
# later ones the same as before. Measured on Linux only, so other systems keep pyarrow's default.
# Set before pyarrow makes its default pool (or switched, if it came first); an owner's own
# ARROW_DEFAULT_MEMORY_POOL wins.
if sys.platform.startswith("linux"):
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system" and "pyarrow" in sys.modules:
        sys.modules["pyarrow"].set_memory_pool(sys.modules["pyarrow"].system_memory_pool())

try:
    __version__ = version("merchant-ai")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.1.0"
