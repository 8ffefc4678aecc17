"""Counts in words: singular for one, plural otherwise, thousands grouped."""

from __future__ import annotations

import numpy as np
import pytest

from merchant_ai.wording import counted


@pytest.mark.parametrize(("n", "expected"), [
    (0, "0 orders"), (1, "1 order"), (2, "2 orders"), (12_000, "12,000 orders"),
    (1.0, "1 order"), (2.5, "2.5 orders"), (np.int64(1), "1 order"), (np.int64(3_000), "3,000 orders")])
def test_counted(n, expected) -> None:
    assert counted(n, "order") == expected


def test_irregular_plural() -> None:
    assert counted(2, "box", "boxes") == "2 boxes" and counted(1, "box", "boxes") == "1 box"
