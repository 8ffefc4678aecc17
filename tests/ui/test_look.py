"""The stylesheet's icon urls point at files that exist, wherever the app is started from."""

from __future__ import annotations

import re
from pathlib import Path

from ui.resources import stylesheet


def test_stylesheet_icon_urls_are_absolute_and_exist():
    text = stylesheet()
    assert "@ICONS@" not in text
    urls = re.findall(r"url\(([^)]+)\)", text)
    assert any(u.endswith("spin-up.svg") for u in urls) and any(u.endswith("spin-down.svg") for u in urls)
    for url in urls:
        assert Path(url).is_absolute() and Path(url).is_file(), url
