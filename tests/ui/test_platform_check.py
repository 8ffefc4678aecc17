"""The check before Qt's xcb plugin loads: missing X11 libraries are named with their packages."""

from __future__ import annotations

from ui import app, platform_check

LDD = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /opt/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3)
"""


def test_ldd_output_gives_each_missing_library_once():
    assert platform_check.parse_ldd(LDD) == ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0", "libxcb-cursor.so.0"]
    assert platform_check.parse_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_debian_package_names():
    assert platform_check.debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert platform_check.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert platform_check.debian_package("libxcb-render-util.so.0") == "libxcb-render-util0"


def test_only_an_x11_session_needs_the_xcb_plugin(monkeypatch):
    monkeypatch.setattr(platform_check.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert platform_check.needs_xcb()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not platform_check.needs_xcb()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert not platform_check.needs_xcb()


def test_the_app_names_missing_libraries_instead_of_letting_qt_abort(monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(platform_check, "needs_xcb", lambda: True)
    monkeypatch.setattr(platform_check, "missing_xcb_libraries",
                        lambda: platform_check.parse_ldd(LDD))
    assert app.run(None, demo=True) == 1
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0" in err
    assert "sudo apt-get install libxcb-icccm4 libxkbcommon-x11-0 libxcb-cursor0" in err


def test_the_check_runs_on_this_machine():
    missing = platform_check.missing_xcb_libraries()     # the real plugin and loader; [] where all resolve
    assert isinstance(missing, list) and all(name.startswith("lib") for name in missing)
