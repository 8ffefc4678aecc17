"""One full-size demo history per test session (generation takes about a second)."""

from __future__ import annotations

import datetime as dt

import pytest

from merchant_ai.demo.generator import generate

END = dt.date(2025, 12, 31)


@pytest.fixture(scope="session")
def history():
    return generate(7, END)


@pytest.fixture(scope="session")
def files(history):
    from merchant_ai.demo.exports import export_files

    return {f.name: f for f in export_files(history)}
