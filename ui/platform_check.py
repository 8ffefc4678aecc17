"""Before Qt opens a window on Linux: are the X11 libraries its xcb plugin needs installed?

Why: Qt 6 needs a few xcb libraries (libxcb-cursor0, libxcb-icccm4, ...) that many desktop systems
and most fresh servers lack. Without them Qt aborts the whole process with "Could not load the Qt
platform plugin xcb", which tells a shop owner nothing they can act on and cannot be caught from
Python. Asking the system loader first (`ldd` on the plugin) lets us name the missing files and the
Debian/Ubuntu packages that hold them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_SONAME = re.compile(r"^(lib[\w.+-]*?)\.so\.(\d+)")


def parse_ldd(text: str) -> list[str]:
    """The libraries `ldd` reports as not found, each once, in its order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(text)))


def debian_package(soname: str) -> str:
    """The usual Debian/Ubuntu package of a library file: libxcb-icccm.so.4 -> libxcb-icccm4.

    Debian names a library package after its soname, with a '-' before the version when the name
    itself ends in a digit (libxkbcommon-x11.so.0 -> libxkbcommon-x11-0).
    """
    match = _SONAME.match(soname)
    if not match:
        return soname
    name, version = match.groups()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def xcb_plugin() -> Path | None:
    """The Qt xcb platform plugin this installation would load (source tree or frozen app)."""
    from PySide6.QtCore import QLibraryInfo

    plugin = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def missing_xcb_libraries() -> list[str]:
    """Library files the xcb plugin needs and the system lacks; [] when all resolve or we cannot tell."""
    plugin = xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_ldd(done.stdout)


def needs_xcb() -> bool:
    """True when Qt will pick its xcb plugin: Linux, an X display, no Wayland or other platform chosen."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    return (sys.platform.startswith("linux") and bool(os.environ.get("DISPLAY"))
            and not os.environ.get("WAYLAND_DISPLAY") and platform in ("", "xcb"))


def missing_libraries_message(missing: list[str]) -> str:
    """What the owner reads instead of Qt's abort: the files, and the command that installs them."""
    packages = " ".join(dict.fromkeys(debian_package(lib) for lib in missing))
    return ("Merchant AI cannot open its window: this system lacks libraries that Qt needs to draw on X11:\n"
            f"  {', '.join(missing)}\n"
            f"On Debian or Ubuntu install them with:\n  sudo apt-get install {packages}\n"
            "(other distributions name the packages similarly), then start Merchant AI again.")
