"""Shop dialogs: create (recovery code), unlock and every store failure, demo, settings, backups."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QWizard

from merchant_ai.store import Store
from merchant_ai.store import keys as store_keys
from ui import shop_tasks
from ui.context import AppContext, ShopSettings
from ui.dialogs.change_passphrase import ChangePassphraseDialog
from ui.dialogs.create_shop import CreateShopWizard, recovery_html
from ui.dialogs.demo_shop import DemoShopDialog
from ui.dialogs.restore_backup import RestoreBackupDialog, describe_backup
from ui.dialogs.settings import SettingsDialog
from ui.dialogs.unlock import UnlockDialog
from ui.dialogs.welcome import WelcomeDialog
from ui.passphrase_strength import estimate
from ui.widgets.passphrase_pair import PassphrasePair

pytestmark = pytest.mark.gui

GOOD_PASS = "paper lantern orbit cactus"


@pytest.fixture
def ctx(qtbot):
    context = AppContext()
    yield context
    context.shutdown()


# --- passphrase strength ---------------------------------------------------------------------------
@pytest.mark.parametrize("text,low,high", [
    ("", 0, 0), ("password", 0, 0), ("abc", 0, 0), ("aaaaaaaaaa", 0, 1), ("Tr0ub4dor&3", 2, 3),
    (GOOD_PASS, 3, 4), ("correct horse battery staple", 3, 4),
])
def test_strength_scores(text, low, high):
    assert low <= estimate(text).score <= high


def test_passphrase_pair_needs_match_and_some_strength(qtbot):
    pair = PassphrasePair()
    qtbot.addWidget(pair)
    pair.first.setText("password")
    pair.second.setText("password")
    assert not pair.is_acceptable()                              # one of the most common
    pair.first.setText(GOOD_PASS)
    assert not pair.is_acceptable() and pair.match.text() == "The two passphrases differ."
    pair.second.setText(GOOD_PASS)
    assert pair.is_acceptable() and pair.meter.value() >= 3


# --- create ------------------------------------------------------------------------------------------
def test_create_shop_wizard_flow(qtbot, ctx, tmp_path):
    folder = tmp_path / "new-shop"
    wizard = CreateShopWizard(ctx, folder=str(folder))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.shop_page.name.setText("Corner Shop")
    wizard.next()
    assert wizard.currentPage() is wizard.pass_page
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    wizard.pass_page.pair.first.setText(GOOD_PASS)
    wizard.pass_page.pair.second.setText(GOOD_PASS)
    assert wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    wizard.next()                                                # starts the job, stays on the page
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=10000)
    store = wizard.store
    code = wizard.recovery_page.code.text().replace("\n", "-")
    assert store is not None and code == store.recovery_code()
    assert store_keys.parse_recovery_code(code)                  # well-formed, checksum ok
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.reject()                                              # cannot leave before ticking
    assert wizard.isVisible()
    wizard.recovery_page.saved.setChecked(True)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert code in wizard.recovery_page.document().toPlainText()
    wizard.recovery_page.copy()
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == code
    wizard.accept()
    store.close()
    reopened = Store.open(folder, GOOD_PASS)
    assert reopened.get_setting("shop_name") == "Corner Shop"
    reopened.close()


def test_create_refuses_a_folder_holding_a_shop(qtbot, ctx, store):
    wizard = CreateShopWizard(ctx, folder=str(store.folder))
    qtbot.addWidget(wizard)
    assert "already holds a shop" in wizard.shop_page.problem.text()
    assert not wizard.shop_page.isComplete()


def test_recovery_sheet_escapes_html():
    html = recovery_html("<b>Shop</b>", "/x", "ABCD-EFGH")
    assert "&lt;b&gt;Shop&lt;/b&gt;" in html and "ABCD-EFGH" in html


# --- unlock and failures ------------------------------------------------------------------------------
def _unlock(qtbot, dialog, text):
    dialog.passphrase.setText(text)
    dialog.unlock()
    qtbot.waitUntil(lambda: not dialog.busy.isVisible(), timeout=10000)


def test_unlock_wrong_then_right(qtbot, ctx, store):
    store.close()
    dialog = UnlockDialog(ctx, store.folder)
    qtbot.addWidget(dialog)
    dialog.show()
    _unlock(qtbot, dialog, "nope")
    assert dialog.error_kind == "wrong_passphrase"
    assert "does not open this shop" in dialog.error.text()
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.passphrase.setText("test-pass")
        dialog.unlock()
    assert dialog.store is not None and dialog.store.get_setting("shop_name") == "Test shop"
    dialog.store.close()


def test_missing_key_file_leads_to_recovery(qtbot, ctx, store):
    code = store.recovery_code()
    store.close()
    store.key_path.unlink()
    dialog = UnlockDialog(ctx, store.folder)
    qtbot.addWidget(dialog)
    dialog.show()
    _unlock(qtbot, dialog, "test-pass")
    assert dialog.pages.currentIndex() == 1                     # switched to the recovery page
    assert "recovery code" in dialog.error.text()
    dialog.code.setText(code.lower().replace("-", " "))          # typed loosely
    dialog.new_pair.first.setText(GOOD_PASS)
    dialog.new_pair.second.setText(GOOD_PASS)
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.ok_button.click()
    dialog.store.close()
    Store.open(store.folder, GOOD_PASS).close()                  # the new passphrase works


def test_mistyped_recovery_code_is_caught(qtbot, ctx, store):
    code = store.recovery_code()
    store.close()
    dialog = UnlockDialog(ctx, store.folder)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_recovery()
    dialog.code.setText(("B" if code[0] != "B" else "C") + code[1:])
    dialog.new_pair.first.setText(GOOD_PASS)
    dialog.new_pair.second.setText(GOOD_PASS)
    dialog.recover()
    qtbot.waitUntil(lambda: not dialog.busy.isVisible(), timeout=10000)
    assert dialog.error_kind == "wrong_code" and "typo" in dialog.error.text()
    Store.open(store.folder, "test-pass").close()                # nothing changed


def test_damaged_database_offers_latest_backup(qtbot, ctx, store):
    store.set_setting("marker", "before")
    store.backup(reason="test")
    store.close()
    db = store.db_path
    data = bytearray(db.read_bytes())
    for i in range(0, 4096 * 2, 7):                                # scramble the first pages
        data[i] ^= 0x5A
    db.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        (db.parent / (db.name + suffix)).unlink(missing_ok=True)
    dialog = UnlockDialog(ctx, store.folder)
    qtbot.addWidget(dialog)
    dialog.show()
    _unlock(qtbot, dialog, "test-pass")
    assert dialog.error_kind == "damaged"
    assert dialog.restore_button.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.restore_button.click()
    assert dialog.store.get_setting("marker") == "before"
    assert "Restored the backup" in dialog.message
    assert list(store.folder.glob("shop.db.damaged-*"))            # the damaged file was kept aside
    dialog.store.close()


def test_store_error_texts_cover_every_failure():
    from merchant_ai.store import errors

    kinds = {shop_tasks.store_error_text(exc("x"))[0] for exc in (
        errors.WrongPassphrase, errors.WrongRecoveryCode, errors.KeyFileDamaged, errors.StoreDamaged,
        errors.StoreTooNew, errors.StoreMissing, errors.StoreExists)}
    assert kinds == {"wrong_passphrase", "wrong_code", "key_damaged", "damaged", "too_new", "missing", "exists"}
    assert "newer Merchant AI" in shop_tasks.store_error_text(errors.StoreTooNew("x"))[1]


# --- demo --------------------------------------------------------------------------------------------
def test_demo_dialog_creates_and_fills_the_demo_shop(qtbot, ctx, tmp_path, monkeypatch):
    calls = []

    def fake_build(store, progress=None, cancel=None):
        progress(0.5, "half")
        with store.transaction() as c:
            c.execute("INSERT INTO channels(name, platform) VALUES ('etsy', 'etsy')")
            c.execute("INSERT INTO orders(channel_id, external_id, created_at, created_utc, order_date) "
                      "VALUES (1, '1', '2024-01-01', '2024-01-01', '2024-01-01')")
        calls.append(cancel())
        return {"orders": 1}

    monkeypatch.setattr(shop_tasks, "demo_builder", lambda: fake_build)
    folder = tmp_path / "demo"
    dialog = DemoShopDialog(ctx, str(folder))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        dialog.show()
    assert calls == [False] and dialog.note == ""
    assert "“demo”" in dialog.findChildren(type(dialog.status))[1].text()     # the passphrase is on screen
    dialog.store.close()
    reopened = Store.open(folder, shop_tasks.DEMO_PASSPHRASE)   # the demo passphrase really is "demo"
    assert reopened.connection().execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    reopened.close()
    again = DemoShopDialog(ctx, str(folder))                    # second time: opens, no rebuild
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.accepted, timeout=15000):
        again.show()
    assert len(calls) == 1
    again.store.close()


def test_demo_build_cancel(qtbot, ctx, tmp_path, monkeypatch):
    import threading

    started = threading.Event()

    def slow_build(store, progress=None, cancel=None):
        started.set()
        while not cancel():
            progress(None, "working")
        from merchant_ai.importers.writer import ImportCancelled
        raise ImportCancelled("stop")

    monkeypatch.setattr(shop_tasks, "demo_builder", lambda: slow_build)
    dialog = DemoShopDialog(ctx, str(tmp_path / "demo"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(started.is_set, timeout=15000)     # the GUI thread must keep delivering meanwhile
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.cancel_button.click()
    assert "cancelled" in dialog.note
    dialog.store.close()


# --- settings, passphrase, backups, welcome --------------------------------------------------------
def test_settings_dialog_saves_in_a_job(qtbot, store):
    ctx = AppContext(store)
    qtbot.waitUntil(lambda: ctx.settings.shop_name == "Test shop", timeout=5000)
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.currency.setCurrentText("usd dollars")
    dialog.save()
    assert "three-letter" in dialog.error.text()
    dialog.currency.setCurrentText("eur")
    dialog.week_start.setCurrentIndex(6)
    dialog.lead_time.setValue(30)
    dialog.service.setValue(97.5)
    dialog.target_margin.setValue(35)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    assert ctx.settings == ShopSettings("Test shop", "EUR", "sunday", 30.0, 0.975, 35.0)
    assert store.get_setting("default_service_level") == "0.975"
    assert store.get_setting("target_margin_pct") == "35.0"      # the key the report and the CLI read
    ctx.shutdown()


def test_change_passphrase_checks_the_current_one(qtbot, store):
    ctx = AppContext(store)
    dialog = ChangePassphraseDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.current.setText("wrong")
    dialog.pair.first.setText(GOOD_PASS)
    dialog.pair.second.setText(GOOD_PASS)
    dialog.save()
    qtbot.waitUntil(lambda: "wrong" in dialog.error.text(), timeout=10000)
    dialog.current.setText("test-pass")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.save()
    Store.open(store.folder, GOOD_PASS).close()
    ctx.shutdown()


def test_restore_backup_dialog(qtbot, store):
    store.set_setting("marker", "old")
    store.backup(reason="manual")
    store.set_setting("marker", "new")
    ctx = AppContext(store)
    dialog = RestoreBackupDialog(ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=5000)
    assert "manual" in dialog.list.item(0).text()
    dialog.list.setCurrentRow(0)
    with qtbot.waitSignal(ctx.data_changed, timeout=10000):
        dialog.restore(confirm=False)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert store.get_setting("marker") == "old"
    ctx.shutdown()


def test_describe_backup():
    assert describe_backup("/b/shop-20261128-051200-123456-before-import.db", 2_400_000) == \
        "28 Nov 2026 05:12 — before-import (2.4 MB)"


def test_welcome_choices(qtbot):
    dialog = WelcomeDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        dialog.demo_button.click()
    assert dialog.choice == "demo"
    assert "demo" in dialog.demo_button.text()


def test_shop_from_a_newer_version_is_left_alone(qtbot, ctx, store):
    store.connection().execute("PRAGMA user_version = 99")
    store.close()
    dialog = UnlockDialog(ctx, store.folder)
    qtbot.addWidget(dialog)
    dialog.show()
    _unlock(qtbot, dialog, "test-pass")
    assert dialog.error_kind == "too_new" and "newer Merchant AI" in dialog.error.text()
    assert not dialog.restore_button.isVisible()


# --- which dialog comes when ----------------------------------------------------------------------
def test_startup_unlocks_the_remembered_shop(qtbot, store, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from ui import shop_flow

    ini = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(shop_flow, "_settings", lambda: ini)
    seen = []

    class FakeUnlock:
        def __init__(self, ctx, folder, parent=None):
            seen.append(str(folder))
            self.folder, self.store, self.message = str(folder), store, ""

        def exec(self):
            return QDialog.DialogCode.Accepted

    class NoWelcome:
        def __init__(self, parent=None):
            seen.append("welcome")

        def exec(self):
            return QDialog.DialogCode.Rejected

    monkeypatch.setattr(shop_flow, "UnlockDialog", FakeUnlock)
    monkeypatch.setattr(shop_flow, "WelcomeDialog", NoWelcome)
    ctx = AppContext()
    assert shop_flow.startup(ctx) is None and seen == ["welcome"]       # first run: welcome
    shop_flow.remember_folder(store.folder)
    assert shop_flow.last_folder() == str(store.folder)
    assert shop_flow.startup(ctx) is store and seen[-1] == str(store.folder)   # later runs: unlock it
    assert shop_flow.startup(ctx, str(store.folder)) is store            # --store PATH
    assert set(ini.allKeys()) == {"last_shop_folder"}                    # only the folder is remembered
    ctx.runner.cancel_all()
