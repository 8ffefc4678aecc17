#!/usr/bin/env bash
# Build the packaged Merchant AI on Linux or macOS (see packaging/README.md).
#
#   packaging/build.sh            build, prune, frozen self-test, size + start-up figures, screenshot, package
#
# Environment:
#   PYTHON=...              python to build with (default: the active venv, else .venv, else a new build/venv)
#   CLEAN=1                 rebuild from scratch (drops PyInstaller's cache in build/)
#   SIZE_BUDGET_MB=250      size budget on disk; STRICT_SIZE=1 makes exceeding it fail the build
#   SKIP_BENCH=1            no start-up measurement
#   SKIP_SCREENSHOT=1       no dist/frozen-window.png (Linux with Xvfb only)
#   macOS only: MACOS_SIGN_IDENTITY ("Developer ID Application: Name (TEAMID)"), and for notarisation
#   either NOTARY_PROFILE (a `xcrun notarytool store-credentials` profile) or APPLE_ID + APPLE_TEAM_ID +
#   APPLE_APP_PASSWORD (an app-specific password).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OS=$(uname -s)
started=$SECONDS
step() { echo; echo "== $* ($(( SECONDS - started )) s)"; }

# --- a Python with the app and PyInstaller --------------------------------------------------------
if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
elif [ -n "${VIRTUAL_ENV:-}" ]; then PY=$VIRTUAL_ENV/bin/python
elif [ -x .venv/bin/python ]; then PY=.venv/bin/python
else
    python3 -m venv build/venv
    PY=build/venv/bin/python
fi
if ! "$PY" -c "import PyInstaller, merchant_ai, ui" 2>/dev/null; then
    step "installing the app with the packaging extra into $("$PY" -c 'import sys; print(sys.prefix)')"
    "$PY" -m pip install -q -e ".[packaging]"
fi
"$PY" packaging/check_env.py  # the app bundles what is installed: it must match pyproject's pins
VERSION=$("$PY" -c "from importlib.metadata import version; print(version('merchant-ai'))")
ARCH=$(uname -m)

# --- build -----------------------------------------------------------------------------------------
step "PyInstaller: MerchantAI $VERSION ($OS $ARCH)"
t0=$SECONDS
"$PY" -m PyInstaller --noconfirm ${CLEAN:+--clean} --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/merchant_ai.spec
build_s=$(( SECONDS - t0 ))

if [ "$OS" = Darwin ]; then
    TARGET=dist/MerchantAI.app
    EXE=$TARGET/Contents/MacOS/MerchantAI
    rm -rf dist/MerchantAI  # the bundle holds its own copy
else
    TARGET=dist/MerchantAI
    EXE=$TARGET/MerchantAI
fi

step "prune + start check"
"$PY" packaging/prune.py "$TARGET"

if [ "$OS" = Darwin ]; then
    step "codesign"
    if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
        # PyInstaller signed every binary; pruning broke the bundle's seal, so seal it again.
        codesign --force --timestamp --options runtime \
            --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$TARGET"
    else
        echo "MACOS_SIGN_IDENTITY not set: ad-hoc signature (runs here; Gatekeeper blocks it elsewhere)"
        codesign --force --deep --sign - "$TARGET"
    fi
    codesign --verify --deep --strict "$TARGET"
fi

# --- the frozen self-test: a missing hidden import fails the build here, not on a user's machine ----
step "frozen self-test"
t0=$SECONDS
QT_QPA_PLATFORM=offscreen "$EXE" --self-test
selftest_s=$(( SECONDS - t0 ))

# --- size budget --------------------------------------------------------------------------------------
step "size"
budget=${SIZE_BUDGET_MB:-250}
total_mb=$(( $(du -sk "$TARGET" | cut -f1) / 1024 ))
echo "on disk: ${total_mb} MB (budget ${budget} MB)"
echo "biggest folders and files:"
if [ "$OS" = Darwin ]; then inner=$TARGET/Contents/Frameworks; else inner=$TARGET/_internal; fi
# awk reads to the end (no `head`): under pipefail, sort killed by SIGPIPE failed the build (exit 141).
du -sk "$inner"/* "$inner"/PySide6/Qt/lib "$inner"/pyarrow/lib* 2>/dev/null | sort -rn \
    | awk 'NR <= 15 { printf "  %7.1f MB  %s\n", $1 / 1024, $2 }'
size_note=ok
if [ "$total_mb" -gt "$budget" ]; then
    size_note="OVER BUDGET by $(( total_mb - budget )) MB"
    echo "size: $size_note"
    [ -n "${STRICT_SIZE:-}" ] && exit 1
fi

# --- start-up -------------------------------------------------------------------------------------------
if [ -z "${SKIP_BENCH:-}" ]; then
    step "start-up (bench/startup.py)"
    "$PY" bench/startup.py --runs 5 --frozen "$EXE" || echo "start-up: a target was missed (see above)"
fi

# --- a screenshot of the frozen window on the demo shop (Linux with Xvfb; look at it) ----------------------
if [ "$OS" = Linux ] && [ -z "${SKIP_SCREENSHOT:-}" ]; then
    step "screenshot (packaging/screenshot.py)"
    "$PY" packaging/screenshot.py "$EXE" dist/frozen-window.png || echo "screenshot: failed (see above)"
fi

# --- package -----------------------------------------------------------------------------------------------
step "package"
if [ "$OS" = Darwin ]; then
    DMG=dist/MerchantAI-$VERSION-macos-$ARCH.dmg
    stage=$(mktemp -d)
    cp -R "$TARGET" "$stage/"
    ln -s /Applications "$stage/Applications"
    rm -f "$DMG"
    hdiutil create -volname "Merchant AI" -srcfolder "$stage" -ov -format UDZO "$DMG"
    rm -rf "$stage"
    if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
        codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
        if [ -n "${NOTARY_PROFILE:-}" ]; then
            xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
            xcrun stapler staple "$DMG"
        elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
            xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
                --password "$APPLE_APP_PASSWORD" --wait
            xcrun stapler staple "$DMG"
        else
            echo "not notarised (set NOTARY_PROFILE, or APPLE_ID + APPLE_TEAM_ID + APPLE_APP_PASSWORD)"
        fi
    fi
    ARTIFACT=$DMG
else
    NAME=MerchantAI-$VERSION-linux-$ARCH
    stage=build/$NAME
    rm -rf "$stage"
    mkdir -p "$stage/icons"
    cp -a "$TARGET" "$stage/MerchantAI"
    cp packaging/linux/merchant-ai.desktop packaging/linux/install.sh "$stage/"
    for size in 32 64 128 256 512; do cp "resources/icons/merchant-ai-$size.png" "$stage/icons/"; done
    tar -C build -czf "dist/$NAME.tar.gz" "$NAME"
    rm -rf "$stage"
    ARTIFACT=dist/$NAME.tar.gz
fi

step "done"
echo "artifact:       $ARTIFACT ($(( $(du -sk "$ARTIFACT" | cut -f1) / 1024 )) MB)"
echo "app on disk:    ${total_mb} MB, budget ${budget} MB: $size_note"
echo "PyInstaller:    ${build_s} s; frozen self-test: ${selftest_s} s; whole script: $(( SECONDS - started )) s"
