"""Which dialog comes when: first run, later runs, demo, and the File menu's Open/New shop.

Each function runs modal dialogs (their jobs keep running: a modal dialog spins the event loop)
and returns the unlocked store, or None if the owner backed out. Only the shop folder's path is
remembered between runs (QSettings); never a passphrase or anything from inside the shop.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from merchant_ai.store import Store
from ui import shop_tasks
from ui.context import AppContext
from ui.dialogs.create_shop import CreateShopWizard
from ui.dialogs.demo_shop import DemoShopDialog
from ui.dialogs.unlock import UnlockDialog
from ui.dialogs.welcome import WelcomeDialog

LAST_SHOP_KEY = "last_shop_folder"


def _settings() -> QSettings:
    return QSettings("MerchantAI", "MerchantAI")


def remember_folder(folder: str | Path) -> None:
    _settings().setValue(LAST_SHOP_KEY, str(folder))


def last_folder() -> str | None:
    value = _settings().value(LAST_SHOP_KEY)
    return str(value) if value and shop_tasks.is_shop_folder(str(value)) else None


def unlock(ctx: AppContext, folder: str | Path, parent: QWidget | None = None) -> Store | None:
    dialog = UnlockDialog(ctx, folder, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.store is None:
        return None
    if dialog.message:
        QMessageBox.information(parent, "Merchant AI", dialog.message)
    remember_folder(dialog.folder)
    return dialog.store


def create(ctx: AppContext, parent: QWidget | None = None, folder: str | None = None) -> Store | None:
    wizard = CreateShopWizard(ctx, parent, folder)
    wizard.exec()
    if wizard.store is None:
        return None
    remember_folder(wizard.store.folder)
    return wizard.store


def demo(ctx: AppContext, parent: QWidget | None = None) -> Store | None:
    dialog = DemoShopDialog(ctx, parent=parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.store is None:
        return None
    if dialog.note:
        QMessageBox.information(parent, "Demo shop", dialog.note)
    remember_folder(dialog.folder)
    return dialog.store


def first_run(ctx: AppContext, parent: QWidget | None = None) -> Store | None:
    """Welcome screen until the owner has a shop open or closes it."""
    while True:
        welcome = WelcomeDialog(parent)
        if welcome.exec() != QDialog.DialogCode.Accepted:
            return None
        if welcome.choice == "create":
            store = create(ctx, parent)
        elif welcome.choice == "demo":
            store = demo(ctx, parent)
        else:
            store = open_folder(ctx, welcome.folder, parent)
        if store is not None:
            return store


def open_folder(ctx: AppContext, folder: str, parent: QWidget | None = None) -> Store | None:
    if not shop_tasks.is_shop_folder(folder):
        QMessageBox.warning(parent, "Merchant AI", f"There is no Merchant AI shop in {folder}.")
        return None
    return unlock(ctx, folder, parent)


def startup(ctx: AppContext, store_path: str | None = None, want_demo: bool = False) -> Store | None:
    """`merchant-ai gui [--store S | --demo]`: the shop to show first, or None to quit."""
    if want_demo:
        return demo(ctx)
    if store_path:
        if shop_tasks.is_shop_folder(store_path):
            return unlock(ctx, store_path)
        return create(ctx, folder=store_path)
    folder = last_folder()
    if folder:
        return unlock(ctx, folder)
    return first_run(ctx)
