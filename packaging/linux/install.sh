#!/bin/sh
# Adds Merchant AI to your applications menu (for this user only; no root needed).
# Run it from the unpacked folder:  ./install.sh     Undo:  ./install.sh --remove
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
APPS="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
ICONS="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
if [ "${1:-}" = "--remove" ]; then
    rm -f "$APPS/merchant-ai.desktop"
    for size in 32 64 128 256 512; do rm -f "$ICONS/${size}x${size}/apps/merchant-ai.png"; done
    echo "Merchant AI removed from the menu (the app folder and your shops are untouched)."
    exit 0
fi
mkdir -p "$APPS"
for size in 32 64 128 256 512; do
    mkdir -p "$ICONS/${size}x${size}/apps"
    cp "$HERE/icons/merchant-ai-$size.png" "$ICONS/${size}x${size}/apps/merchant-ai.png"
done
sed "s|@EXEC@|\"$HERE/MerchantAI/MerchantAI\"|" "$HERE/merchant-ai.desktop" > "$APPS/merchant-ai.desktop"
chmod +x "$APPS/merchant-ai.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$APPS" >/dev/null 2>&1 || true
echo "Merchant AI is in your applications menu. Keep this folder where it is (or run ./install.sh again after moving it)."
