"""The main window: the tab set, the status bar (shop, data span, last import), the menus.

Tabs are found by name: `ui/tabs/<name>_tab.py` defining `<Name>Tab(BaseTab)`. A tab whose
module is not there yet shows an honest "not built yet" page; one that fails to load shows
why, without taking the rest of the window down.
"""

from __future__ import annotations

import importlib
import traceback

from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from merchant_ai import __version__
from ui import shop_flow, shop_tasks
from ui.context import AppContext
from ui.dialogs.change_passphrase import ChangePassphraseDialog
from ui.dialogs.restore_backup import RestoreBackupDialog
from ui.dialogs.settings import SettingsDialog
from ui.local_time import local_time
from ui.tabs.base import NOT_BUILT_TEXT, BaseTab, ErrorBanner

# (module name, tab title) in the order the owner sees them.
TAB_ORDER = [
    ("dashboard", "Dashboard"), ("import", "Import"), ("data", "Data"), ("forecast", "Forecast"),
    ("stock", "Stock"), ("pricing", "Pricing"), ("customers", "Customers"),
    ("recommendations", "Recommendations"), ("reports", "Reports"),
]


class PlaceholderTab(BaseTab):
    """A tab that is not built (or failed to load): says so plainly, shows no fake data."""

    def __init__(self, ctx: AppContext, title: str, text: str = NOT_BUILT_TEXT, details: str = "") -> None:
        super().__init__(ctx)
        self.title = title
        self.show_empty(title, text)
        if details:
            self.empty_state.setToolTip(details)


def load_tab(ctx: AppContext, name: str, title: str) -> BaseTab:
    """`ui.tabs.<name>_tab.<Name>Tab(ctx)`, or a placeholder saying why it is missing."""
    module_name = f"ui.tabs.{name}_tab"
    class_name = "".join(part.capitalize() for part in name.split("_")) + "Tab"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return PlaceholderTab(ctx, title)
        return PlaceholderTab(ctx, title, f"The {title} tab could not be loaded: {exc}.", traceback.format_exc())
    except Exception as exc:  # noqa: BLE001 - one broken tab must not stop the app
        return PlaceholderTab(ctx, title, f"The {title} tab could not be loaded: {exc}.", traceback.format_exc())
    cls = getattr(module, class_name, None)
    if cls is None:
        return PlaceholderTab(ctx, title, f"The {title} tab is incomplete ({class_name} is missing).")
    try:
        return cls(ctx)
    except Exception as exc:  # noqa: BLE001
        return PlaceholderTab(ctx, title, f"The {title} tab failed to start: {exc}.", traceback.format_exc())


def format_span(first: str | None, last: str | None) -> str:
    if not first:
        return "No orders yet"
    return f"Orders {first} … {last}"


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("Merchant AI")
        self.resize(1200, 780)
        self.setMinimumSize(900, 600)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = ErrorBanner()
        self.banner.setObjectName("appBanner")
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.tab_widgets: dict[str, BaseTab] = {}
        for name, title in TAB_ORDER:
            tab = load_tab(ctx, name, title)
            self.tab_widgets[name] = tab
            self.tabs.addTab(tab, getattr(tab, "title", title) or title)

        self.shop_label = QLabel()
        self.span_label = QLabel()
        self.import_label = QLabel()
        for label in (self.shop_label, self.span_label, self.import_label):
            self.statusBar().addPermanentWidget(label)
        self.statusBar().setSizeGripEnabled(True)
        self._build_menus()

        ctx.runner.failed.connect(self._job_failed)
        ctx.navigate_requested.connect(self.navigate)
        ctx.store_changed.connect(self.refresh_status)
        ctx.data_changed.connect(self.refresh_status)
        ctx.settings_changed.connect(self.refresh_status)
        self.refresh_status()

    # --- menus ------------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None, needs_store: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        if needs_store:
            self._store_actions.append(action)
        return action

    def _build_menus(self) -> None:
        self._store_actions: list[QAction] = []
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open shop…", self.open_shop, QKeySequence.StandardKey.Open)
        self._action(file_menu, "&New shop…", self.new_shop, QKeySequence.StandardKey.New)
        self._action(file_menu, "Open &demo shop", self.open_demo)
        file_menu.addSeparator()
        self._action(file_menu, "&Backup now", self.backup_now, needs_store=True)
        self._action(file_menu, "&Restore backup…", self.restore_backup, needs_store=True)
        self._action(file_menu, "&Change passphrase…", self.change_passphrase, needs_store=True)
        self._action(file_menu, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences,
                     needs_store=True)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Merchant AI", self.about)

    # --- status bar ---------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        store = self.ctx.store
        for action in self._store_actions:
            action.setEnabled(store is not None)
        if store is None:
            self.shop_label.setText("No shop open")
            self.span_label.setText("")
            self.import_label.setText("")
            self.setWindowTitle("Merchant AI")
            return
        self.ctx.runner.submit("window.status", shop_tasks.shop_status, on_done=self._show_status,
                               on_error=lambda m, _t: self.span_label.setText(""))

    def _show_status(self, status: shop_tasks.ShopStatus) -> None:
        self.shop_label.setText(status.shop_name)
        self.shop_label.setToolTip(status.folder)
        self.span_label.setText(format_span(status.first_order, status.last_order))
        self.import_label.setText(f"Last import {local_time(status.last_import)}"
                                  if status.last_import else "No imports yet")
        self.setWindowTitle(f"{status.shop_name} — Merchant AI")

    def _job_failed(self, kind: str, message: str, trace: str) -> None:
        self.banner.show_error(message, trace)

    def show_message(self, text: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(text, ms)

    # --- File menu ----------------------------------------------------------------------------------
    def _switch_to(self, store) -> None:
        if store is not None:
            self.ctx.set_store(store)

    def open_shop(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, "Open a shop folder")
        if folder:
            self._switch_to(shop_flow.open_folder(self.ctx, folder, self))

    def new_shop(self) -> None:
        self._switch_to(shop_flow.create(self.ctx, self))

    def open_demo(self) -> None:
        self._switch_to(shop_flow.demo(self.ctx, self))

    def backup_now(self) -> None:
        self.show_message("Backing up…", 0)
        self.ctx.runner.submit("window.backup", shop_tasks.backup_now,
                               on_done=lambda path: self.show_message(f"Backup saved: {path}"),
                               on_error=lambda m, t: (self.show_message(""),
                                                      self.banner.show_error(f"Backup failed: {m}", t)))

    def restore_backup(self) -> None:
        RestoreBackupDialog(self.ctx, self).exec()

    def change_passphrase(self) -> None:
        if ChangePassphraseDialog(self.ctx, self).exec():
            self.show_message("Passphrase changed. Your recovery code is unchanged.")

    def open_settings(self) -> None:
        SettingsDialog(self.ctx, self).exec()

    def about(self) -> None:
        QMessageBox.about(
            self, "About Merchant AI",
            f"<h3>Merchant AI {__version__}</h3>"
            "<p>Forecasts, stock alerts, margins, customer insight and recommendations for small online "
            "shops, from the exports your marketplaces give you.</p>"
            "<p>Your data stays on this computer in an encrypted shop folder (SQLCipher, AES-256); "
            "the key is protected by your passphrase and your recovery code.</p>")

    # --- close --------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.statusBar().showMessage("Finishing background work…")
        self.ctx.shutdown(timeout=15.0)
        event.accept()

    def select_tab(self, name: str) -> None:
        tab = self.tab_widgets.get(name)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)

    def navigate(self, name: str, key: object = None) -> None:
        """Show tab `name`; focus it on `key` (e.g. a SKU) when the tab offers `focus_key`."""
        self.select_tab(name)
        focus = getattr(self.tab_widgets.get(name), "focus_key", None)
        if key is not None and callable(focus):
            focus(key)


__all__ = ["TAB_ORDER", "MainWindow", "PlaceholderTab", "load_tab"]
