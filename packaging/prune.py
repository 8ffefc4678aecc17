"""Post-build pruning of the PyInstaller folder, then a check that the app still starts.

PyInstaller's binary analysis brings in whole libraries where we use a corner: every Qt platform
plugin (EGLFS, VNC, Wayland compositors...), the GTK platform theme and its GTK/Cairo/Pango stack,
pyarrow's Flight, S3 and Parquet-encryption libraries, Cython sources and C++ headers. Each entry
below names what goes and why; the lists are explicit on purpose (no "remove everything unused"
heuristics), and anything listed but absent is simply reported.

Then a few big Linux libraries that ship their symbol tables are stripped (LINUX_STRIP).
After that, two checks run:
1. no remaining bundled binary links against a deleted library (PyInstaller's own import reader);
2. the frozen app starts: `--version`, `info --help`, and the GUI up to its first interactive window
   (offscreen, via MERCHANT_AI_STARTUP_PROBE). The build script runs the full self-test after this.

Usage: python packaging/prune.py dist/MerchantAI [--no-check]
       (on macOS pass the bundle: dist/MerchantAI.app)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Globs relative to the folder holding the bundled libraries (_internal, or Contents/Frameworks).
COMMON = [
    # pyarrow: the importer uses its CSV reader and compute kernels only
    "pyarrow/include", "pyarrow/src", "pyarrow/tests",
    "pyarrow/**/*.pyx", "pyarrow/**/*.pxi", "pyarrow/**/*.pxd", "pyarrow/**/*.h", "pyarrow/**/*.cc",
    # headers and Cython declarations of other packages
    "numpy/_core/include", "numpy/f2py/src", "numpy/_core/lib/pkgconfig",
    "**/*.pyi",
]
LINUX = [
    "pyarrow/*arrow_flight*.so*", "pyarrow/*arrow_python_flight*.so*", "pyarrow/*arrow_s3*.so*",
    "pyarrow/*parquet_encryption*.so*",
    "pyarrow/libarrow_python.so", "pyarrow/libarrow_python.so.*.*.*",  # copies of the soname file
    # Qt: X11 (xcb) and offscreen/minimal platforms only; Wayland desktops run it through XWayland
    "PySide6/Qt/lib/libQt6Network.so.6",  # (libQt6OpenGL stays: pyqtgraph's curves import QtOpenGL)
    "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6",
    "PySide6/Qt/lib/libQt6WaylandClient.so.6", "PySide6/Qt/lib/libQt6WlShellIntegration.so.6",
    "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqminimalegl.so", "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "PySide6/Qt/plugins/platforms/libqvnc.so", "PySide6/Qt/plugins/platforms/libqwayland*.so",
    "PySide6/Qt/plugins/egldeviceintegrations", "PySide6/Qt/plugins/generic",
    "PySide6/Qt/plugins/wayland-*", "PySide6/Qt/plugins/xcbglintegrations",
    # GTK theme plugin: needs the system's GTK anyway; the app draws itself with Fusion
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    # image formats nobody loads (the app reads SVG, PNG, ICO, JPEG)
    "PySide6/Qt/plugins/imageformats/libqgif.so", "PySide6/Qt/plugins/imageformats/libqicns.so",
    "PySide6/Qt/plugins/imageformats/libqtga.so", "PySide6/Qt/plugins/imageformats/libqtiff.so",
    "PySide6/Qt/plugins/imageformats/libqwbmp.so", "PySide6/Qt/plugins/imageformats/libqwebp.so",
    # the GTK/Cairo/Pango stack that only libqgtk3 pulled in
    "libgtk-3.so*", "libgdk-3.so*", "libpangocairo-1.0.so*", "libpango-1.0.so*", "libpangoft2-1.0.so*",
    "libatk-1.0.so*", "libatk-bridge-2.0.so*", "libcairo-gobject.so*", "libcairo.so*",
    "libgdk_pixbuf-2.0.so*", "libpixman-1.so*", "libfribidi.so*", "libthai.so*", "libdatrie.so*",
    "libepoxy.so*", "libXrender.so*", "libXext.so*",
]
WINDOWS = [
    "pyarrow/arrow_flight.dll", "pyarrow/arrow_python_flight.dll", "pyarrow/arrow_s3.dll",
    "pyarrow/arrow_python_parquet_encryption.dll", "pyarrow/*.lib",
    "PySide6/Qt6Network.dll", "PySide6/opengl32sw.dll",  # software GL: widgets only
    "PySide6/plugins/platforms/qdirect2d.dll", "PySide6/plugins/generic",
    "PySide6/plugins/imageformats/qgif.dll", "PySide6/plugins/imageformats/qicns.dll",
    "PySide6/plugins/imageformats/qtga.dll", "PySide6/plugins/imageformats/qtiff.dll",
    "PySide6/plugins/imageformats/qwbmp.dll", "PySide6/plugins/imageformats/qwebp.dll",
]
MACOS = [
    "pyarrow/libarrow_flight.*dylib", "pyarrow/libarrow_python_flight*.dylib", "pyarrow/libarrow_s3.*dylib",
    "pyarrow/libarrow_python_parquet_encryption*.dylib",
    "PySide6/Qt/lib/QtNetwork.framework",
    "PySide6/Qt/plugins/imageformats/libqgif.dylib", "PySide6/Qt/plugins/imageformats/libqtga.dylib",
    "PySide6/Qt/plugins/imageformats/libqtiff.dylib", "PySide6/Qt/plugins/imageformats/libqwbmp.dylib",
    "PySide6/Qt/plugins/imageformats/libqwebp.dylib", "PySide6/Qt/plugins/generic",
]
# Linux libraries shipped with full symbol tables, stripped in place (~50 MB). Only these: stripping
# the patchelf-repaired copies in numpy.libs/scipy.libs breaks them, so no globbing over everything.
LINUX_STRIP = [
    "libpython3*.so.1.0", "sqlcipher3/_sqlite3*.so", "cryptography/hazmat/bindings/_rust*.so",
    "pyarrow/libarrow.so.*", "pyarrow/libarrow_compute.so.*", "pyarrow/libparquet.so.*",
    "pyarrow/libarrow_substrait.so.*",
]
BINARY_SUFFIXES = (".so", ".dll", ".pyd", ".dylib")


def layout(target: Path) -> tuple[Path, Path]:
    """(folder with the bundled files, the executable) for a onedir folder or a macOS .app."""
    if target.suffix == ".app":
        return target / "Contents" / "Frameworks", target / "Contents" / "MacOS" / "MerchantAI"
    exe = target / ("MerchantAI.exe" if sys.platform == "win32" else "MerchantAI")
    return target / "_internal", exe


def patterns() -> list[str]:
    if sys.platform == "win32":
        return COMMON + WINDOWS
    if sys.platform == "darwin":
        return COMMON + MACOS
    return COMMON + LINUX


def size_of(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def prune(base: Path) -> tuple[int, set[str]]:
    """Delete every match; returns (bytes freed, names of deleted files)."""
    freed, removed = 0, set()
    for pattern in patterns():
        matches = [p for p in base.glob(pattern) if p.exists() or p.is_symlink()]
        for path in matches:
            freed += size_of(path)
            if path.is_dir() and not path.is_symlink():
                removed.update(p.name for p in path.rglob("*"))
                shutil.rmtree(path)
            else:
                removed.add(path.name)
                path.unlink()
        print(f"prune: {len(matches):3d} x {pattern}")
    # PyInstaller links bundled libraries into the top folder; drop links left pointing nowhere.
    for link in [p for p in base.rglob("*") if p.is_symlink() and not p.exists()]:
        removed.add(link.name)
        link.unlink()
    return freed, removed


def strip_symbols(base: Path) -> int:
    """`strip --strip-unneeded` the LINUX_STRIP files (Linux with binutils only); returns bytes saved."""
    tool = shutil.which("strip")
    if not sys.platform.startswith("linux") or tool is None:
        return 0
    saved = 0
    for pattern in LINUX_STRIP:
        for path in base.glob(pattern):
            if path.is_symlink() or not path.is_file():
                continue
            before = path.stat().st_size
            subprocess.run([tool, "--strip-unneeded", str(path)], check=True)
            saved += before - path.stat().st_size
            print(f"prune: strip {path.relative_to(base)}: {before / 1e6:.1f} -> {path.stat().st_size / 1e6:.1f} MB")
    return saved


def is_binary(path: Path) -> bool:
    name = path.name
    return path.is_file() and not path.is_symlink() and (name.endswith(BINARY_SUFFIXES) or ".so." in name)


def check_links(base: Path, removed: set[str]) -> list[str]:
    """Remaining binaries that name a deleted library (and no copy of it is left in the bundle)."""
    from PyInstaller.depend import bindepend

    present = {p.name for p in base.rglob("*")}
    problems = []
    for path in filter(is_binary, base.rglob("*")):
        try:
            names = {name for name, _ in bindepend.get_imports(str(path))}
        except Exception as exc:  # noqa: BLE001 (an unreadable file is reported, not fatal)
            print(f"prune: could not read imports of {path.relative_to(base)}: {exc}", file=sys.stderr)
            continue
        for name in sorted(names & removed - present):
            problems.append(f"{path.relative_to(base)} needs deleted {name}")
    return problems


def check_starts(exe: Path) -> list[str]:
    """Run the frozen app three ways; returns failures."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MERCHANT_AI_STARTUP_PROBE="1")
    problems = []
    with tempfile.TemporaryDirectory(prefix="merchant-ai-prune-") as home:
        env["MERCHANT_AI_HOME"] = home  # no remembered shop: the welcome window opens
        env["XDG_CONFIG_HOME"] = home
        for args, expect in ((["--version"], "merchant-ai"), (["info", "--help"], "--store"),
                             ([], "startup-probe: interactive")):
            try:
                run = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                problems.append(f"{exe.name} {' '.join(args)}: no answer in 120 s")
                continue
            if run.returncode != 0 or expect not in run.stdout:
                problems.append(f"{exe.name} {' '.join(args) or '(GUI)'}: exit {run.returncode}, "
                                f"stdout {run.stdout[-300:]!r}, stderr {run.stderr[-600:]!r}")
            else:
                print(f"prune: check ok: {exe.name} {' '.join(args) or '(GUI to first window)'}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="dist/MerchantAI (or dist/MerchantAI.app on macOS)")
    parser.add_argument("--no-check", action="store_true", help="only delete, do not check")
    args = parser.parse_args(argv)
    base, exe = layout(args.target)
    if not base.is_dir():
        parser.error(f"{base} not found: build first")
    freed, removed = prune(base)
    freed += strip_symbols(base)
    print(f"prune: freed {freed / 1e6:.1f} MB")
    if args.no_check:
        return 0
    problems = check_links(base, removed) + check_starts(exe)
    for problem in problems:
        print(f"prune: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
