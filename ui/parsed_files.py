"""Batches the Import tab's previews parsed, kept so that importing the same file does not parse it again.

Why: the tab previews every file it is given (a full parse: counts, date span, problems), and the
owner then presses Import. Parsing again took ~0.45 s of a ~1.4 s import of the UCI file. A batch
is kept only for the exact bytes it was parsed from (checked by SHA-256 when importing, so a file
re-exported in between is parsed again), only for the latest preview of each file, and within a
bound on lines held in memory. It lives in memory only, like any file being imported, and goes
when the file is imported or removed from the list.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from merchant_ai.importers.batch import ImportBatch

MAX_ROWS = 1_500_000      # order lines + orders held in all kept batches (UCI: ~550,000)


def _key(data: bytes, mapping: dict[str, str] | None) -> tuple[str, str]:
    return hashlib.sha256(data).hexdigest(), json.dumps(mapping or None, sort_keys=True)


class ParsedFiles:
    """The kept batches, by file path (thread-safe: previews and imports run in jobs)."""

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, tuple[tuple[str, str], ImportBatch, int]] = OrderedDict()

    def keep(self, path: str, data: bytes, mapping: dict[str, str] | None, batch: ImportBatch) -> None:
        """Keep the batch of this file's latest preview (a file too big for the bound is not kept)."""
        rows = len(batch.lines) + len(batch.orders)
        key = _key(data, mapping)
        with self._lock:
            self._kept.pop(path, None)
            if rows > self.max_rows:
                return
            self._kept[path] = (key, batch, rows)
            while sum(r for _k, _b, r in self._kept.values()) > self.max_rows:
                self._kept.popitem(last=False)      # the oldest preview goes first

    def take(self, path: str, data: bytes, format: str | None, mapping: dict[str, str] | None) -> ImportBatch | None:
        """The kept batch for exactly these bytes, mapping and format (None: the one previewed), once."""
        with self._lock:
            kept = self._kept.pop(path, None)
        if kept is None:
            return None
        key, batch, _rows = kept
        if key != _key(data, mapping) or (format is not None and format != batch.format):
            return None
        return batch

    def forget(self, path: str) -> None:
        with self._lock:
            self._kept.pop(path, None)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)


PARSED = ParsedFiles()
