"""On Linux the core chooses pyarrow's allocator (see merchant_ai/__init__.py): the C library's,
which made the first big job of a session ~0.3 s faster than pyarrow's mimalloc, unless the owner
set one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _backend(code: str, env: dict[str, str]) -> str:
    show = "; import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    out = subprocess.run([sys.executable, "-c", code + show], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="chosen on Linux only, where it was measured")
def test_the_core_uses_the_system_allocator_whatever_is_imported_first() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    assert _backend("import merchant_ai, pandas", env) == "system"
    assert _backend("import pandas, pyarrow, merchant_ai", env) == "system"
    assert _backend("import merchant_ai", {**env, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == "mimalloc"
