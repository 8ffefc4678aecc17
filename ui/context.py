"""What every tab shares: the open store, the job runner, the shop's settings, and `data_changed`.

Tabs receive one `AppContext` and never reach for globals. The GUI thread never queries the store:
settings are read in a job when a shop is opened and cached here as `ctx.settings`
(a frozen `ShopSettings`); `ctx.save_settings(...)` writes them in a job.

Signals (all on the GUI thread):
* `store_changed()`  — a shop was opened or closed (tabs reset and refresh).
* `settings_changed()` — `ctx.settings` was (re)loaded or saved.
* `data_changed()`  — an import, undo or edit changed the data: tabs refresh (debounced in BaseTab).
* `navigate_requested(tab, key)` — a tab asks to show another tab (e.g. the dashboard drilling into
  a SKU): the main window switches to `tab` ("forecast", "stock", ...) and, if that tab has a
  `focus_key(key)` method and `key` is not None, calls it. Emit it through `ctx.navigate(...)`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from merchant_ai.store import Store
from ui.jobs import JobContext, JobRunner

# Keys in the store's `settings` table (strings; the core reads the same keys).
SETTING_SHOP_NAME = "shop_name"
SETTING_CURRENCY = "currency"
SETTING_WEEK_START = "week_start"
SETTING_LEAD_TIME = "default_lead_time_days"
SETTING_SERVICE_LEVEL = "default_service_level"
# Same key the weekly report and `merchant-ai margin --store` read: one target for tab, report and CLI.
SETTING_TARGET_MARGIN = "target_margin_pct"

WEEK_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclasses.dataclass(frozen=True)
class ShopSettings:
    """The shop-wide defaults the analytics tabs use; immutable so tabs can share one copy."""

    shop_name: str = "My shop"
    currency: str = "USD"
    week_start: str = "monday"            # one of WEEK_DAYS
    lead_time_days: float = 14.0          # supplier lead time when neither SKU nor supplier says
    service_level: float = 0.95           # target probability of not stocking out in a cycle
    target_margin_pct: float = 20.0       # margin alerts below this, in the tab, the report and the CLI

    @classmethod
    def from_store(cls, store: Store) -> ShopSettings:
        """Read from the store (call in a job); bad or missing values fall back to the defaults."""
        base = cls()

        def number(key: str, default: float, low: float, high: float) -> float:
            try:
                value = float(store.get_setting(key, "") or default)
            except ValueError:
                return default
            return value if low <= value <= high else default

        week = (store.get_setting(SETTING_WEEK_START, base.week_start) or base.week_start).lower()
        return cls(
            shop_name=store.get_setting(SETTING_SHOP_NAME, base.shop_name) or base.shop_name,
            currency=(store.get_setting(SETTING_CURRENCY, base.currency) or base.currency).upper(),
            week_start=week if week in WEEK_DAYS else base.week_start,
            lead_time_days=number(SETTING_LEAD_TIME, base.lead_time_days, 0.0, 365.0),
            service_level=number(SETTING_SERVICE_LEVEL, base.service_level, 0.5, 0.999),
            target_margin_pct=number(SETTING_TARGET_MARGIN, base.target_margin_pct, 0.0, 99.0),
        )

    def to_store(self, store: Store) -> None:
        """Write every field (call in a job)."""
        with store.transaction():
            store.set_setting(SETTING_SHOP_NAME, self.shop_name)
            store.set_setting(SETTING_CURRENCY, self.currency.upper())
            store.set_setting(SETTING_WEEK_START, self.week_start)
            store.set_setting(SETTING_LEAD_TIME, repr(float(self.lead_time_days)))
            store.set_setting(SETTING_SERVICE_LEVEL, repr(float(self.service_level)))
            store.set_setting(SETTING_TARGET_MARGIN, repr(float(self.target_margin_pct)))

    @property
    def week_start_index(self) -> int:
        """0 = Monday, as `datetime.weekday()` counts."""
        return WEEK_DAYS.index(self.week_start)


def _load_settings(ctx: JobContext) -> ShopSettings:
    return ShopSettings.from_store(ctx.store)


def _save_settings(ctx: JobContext, settings: ShopSettings) -> ShopSettings:
    settings.to_store(ctx.store)
    return settings


class AppContext(QObject):
    """One per window: hand it to every tab. `store` is None until a shop is unlocked."""

    store_changed = Signal()
    settings_changed = Signal()
    data_changed = Signal()
    navigate_requested = Signal(str, object)

    def __init__(self, store: Store | None = None, runner: JobRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else JobRunner(parent=self)
        self.settings = ShopSettings()
        self._store: Store | None = None
        if store is not None:
            self.set_store(store)

    @property
    def store(self) -> Store | None:
        return self._store

    def set_store(self, store: Store | None, on_ready: Callable[[], None] | None = None) -> None:
        """Switch to another shop (or None): cancels running jobs, then reloads settings in a job."""
        self.runner.cancel_all()
        old, self._store = self._store, store
        self.runner.store = store
        self.settings = ShopSettings()
        if old is not None and old is not store:
            self.runner.wait_all(10.0)
            old.close()
        self.store_changed.emit()
        if store is not None:
            self.reload_settings(on_ready)

    def reload_settings(self, on_ready: Callable[[], None] | None = None) -> None:
        def done(settings: ShopSettings) -> None:
            self.settings = settings
            self.settings_changed.emit()
            if on_ready is not None:
                on_ready()

        self.runner.submit("context.settings", _load_settings, on_done=done)

    def save_settings(self, settings: ShopSettings, on_done: Callable[[], None] | None = None,
                      on_error: Callable[[str, str], None] | None = None) -> None:
        """Persist in a job; `ctx.settings` changes only once the write succeeded."""
        def done(saved: ShopSettings) -> None:
            self.settings = saved
            self.settings_changed.emit()
            if on_done is not None:
                on_done()

        self.runner.submit("context.save_settings", _save_settings, settings, on_done=done, on_error=on_error)

    def notify_data_changed(self) -> None:
        """Call after an import, undo or edit: every tab refreshes."""
        self.data_changed.emit()

    def navigate(self, tab: str, key: Any = None) -> None:
        """Ask the window to show tab `tab` (a TAB_ORDER name), focused on `key` if it can be."""
        self.navigate_requested.emit(tab, key)

    def submit(self, kind: str, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        """Shorthand for `ctx.runner.submit(...)`."""
        return self.runner.submit(kind, fn, *args, **kwargs)

    def shutdown(self, timeout: float = 10.0) -> bool:
        """On window close: cancel and await every job, then close the store's connections."""
        self.runner.cancel_all()
        idle = self.runner.wait_all(timeout)
        if idle:
            self.runner.settle_cancelled()
        if self._store is not None and idle:
            self._store.close()
        return idle
