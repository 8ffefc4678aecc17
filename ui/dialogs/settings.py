"""Settings: the shop-wide defaults the analytics use (currency, week start, lead time, service level,
target margin)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.context import WEEK_DAYS, AppContext, ShopSettings

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
              "JPY", "CNY", "HKD", "SGD", "INR", "MXN", "BRL", "ZAR")


class SettingsDialog(QDialog):
    """Saves through `ctx.save_settings` (a job); closes when the write succeeded."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings — Merchant AI")
        self.setMinimumWidth(460)
        s = ctx.settings
        root = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(s.shop_name)
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.addItems(CURRENCIES)
        self.currency.setCurrentText(s.currency)
        self.week_start = QComboBox()
        self.week_start.addItems([d.capitalize() for d in WEEK_DAYS])
        self.week_start.setCurrentIndex(s.week_start_index)
        self.lead_time = QDoubleSpinBox()
        self.lead_time.setRange(0, 365)
        self.lead_time.setDecimals(0)
        self.lead_time.setSuffix(" days")
        self.lead_time.setValue(s.lead_time_days)
        self.service = QDoubleSpinBox()
        self.service.setRange(50.0, 99.9)
        self.service.setDecimals(1)
        self.service.setSuffix(" %")
        self.service.setValue(s.service_level * 100)
        self.target_margin = QDoubleSpinBox()
        self.target_margin.setRange(0.0, 99.0)
        self.target_margin.setDecimals(1)
        self.target_margin.setSuffix(" %")
        self.target_margin.setValue(s.target_margin_pct)
        form.addRow("Shop name", self.name)
        form.addRow("Currency", self.currency)
        form.addRow("Weeks start on", self.week_start)
        form.addRow("Default lead time", self.lead_time)
        form.addRow("Default service level", self.service)
        form.addRow("Target margin", self.target_margin)
        help_text = QLabel("Lead time is used for products whose supplier has none. The service level is "
                           "the chance of not running out before the next delivery: higher means more "
                           "safety stock. Products below the target margin are flagged in the Pricing tab and the "
                           "weekly report.")
        help_text.setWordWrap(True)
        help_text.setObjectName("hintText")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        root.addLayout(form)
        root.addWidget(help_text)
        root.addWidget(self.error)
        root.addWidget(self.buttons)

    def values(self) -> ShopSettings:
        currency = self.currency.currentText().strip().upper()
        return ShopSettings(
            shop_name=self.name.text().strip() or self.ctx.settings.shop_name,
            currency=currency,
            week_start=WEEK_DAYS[self.week_start.currentIndex()],
            lead_time_days=float(self.lead_time.value()),
            service_level=round(self.service.value() / 100.0, 4),
            target_margin_pct=round(float(self.target_margin.value()), 2),
        )

    def save(self) -> None:
        values = self.values()
        if len(values.currency) != 3 or not values.currency.isalpha():
            self.error.setText("The currency is a three-letter ISO code such as USD, EUR or GBP.")
            return
        if self.ctx.store is None:
            self.error.setText("Open a shop first.")
            return
        self.buttons.setEnabled(False)
        self.ctx.save_settings(values, on_done=self.accept, on_error=self._failed)

    def _failed(self, message: str, _trace: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(f"Could not save: {message}")
