"""Fee presets: the dated rule files shipped with the app, plus the owner's own edits.

Shipped presets live in `merchant_ai/pricing/fees/<platform>.json` (one file per platform). An
owner who negotiated other rates, or sells somewhere we do not ship a preset for, saves a preset
of the same shape in the store's settings (key `pricing.presets`, a JSON object by platform name):
a saved preset replaces the shipped one of that name, so old orders are costed with the owner's
figures from then on. The data stays in the encrypted store, never in a plaintext file.

`Preset.select(date, ...)` picks, for every fee line, the one rule in force on that date that
matches the order's context most specifically (a category rule beats the catch-all one).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from merchant_ai.pricing.rules import FeeRule

if TYPE_CHECKING:
    from merchant_ai.store import Store

SETTINGS_KEY = "pricing.presets"
CHANNEL_MAP_KEY = "pricing.channel_presets"

# Store channel names (as importers write them) to the preset their fees follow by default.
DEFAULT_CHANNEL_PRESETS = {
    "etsy": "etsy", "amazon": "amazon", "ebay": "ebay", "shopify": "shopify_payments",
    "shopify_payments": "shopify_payments", "woocommerce": "woopayments", "woopayments": "woopayments",
    "paypal": "paypal", "stripe": "stripe",
}


class PresetError(ValueError):
    """A preset is unknown or its data is inconsistent; the message says which and why."""

    exit_code = 2


@dataclass
class Preset:
    platform: str
    title: str
    currency: str
    rules: list[FeeRule]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    country_currency: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    user_defined: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any], user_defined: bool = False) -> Preset:
        try:
            rules = [FeeRule.from_dict(r) for r in data.get("rules", [])]
            preset = cls(platform=str(data["platform"]), title=str(data.get("title", data["platform"])),
                         currency=str(data.get("currency", "USD")), rules=rules,
                         options=dict(data.get("options") or {}),
                         country_currency=dict(data.get("country_currency") or {}),
                         notes=list(data.get("notes") or []), user_defined=user_defined)
        except (KeyError, TypeError, ValueError) as exc:
            raise PresetError(f"fee preset {data.get('platform', '?')!r} is not valid: {exc}") from exc
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise PresetError(f"fee preset {preset.platform!r} repeats a rule id")
        return preset

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "title": self.title, "currency": self.currency,
                "country_currency": self.country_currency, "options": self.options, "notes": self.notes,
                "rules": [r.to_dict() for r in self.rules]}

    def default_options(self) -> dict[str, Any]:
        return {name: spec.get("default") for name, spec in self.options.items()}

    def currency_for(self, country: str | None) -> str:
        if country:
            return self.country_currency.get(country.upper(), self.currency)
        return self.currency

    def select(self, day: dt.date, context: dict[str, Any]) -> list[FeeRule]:
        """One rule per fee line: in force on `day`, matching `context`, the most specific one.

        Two equally specific matches for one fee line mean the data is ambiguous: refuse rather
        than pick one silently.
        """
        best: dict[str, list[FeeRule]] = {}
        for rule in self.rules:
            if not rule.in_force(day) or not rule.matches(context):
                continue
            current = best.get(rule.fee)
            if current is None or rule.specificity > current[0].specificity:
                best[rule.fee] = [rule]
            elif rule.specificity == current[0].specificity:
                current.append(rule)
        chosen = []
        for fee, rules in best.items():
            if len(rules) > 1:
                raise PresetError(f"fee preset {self.platform!r}: rules {[r.id for r in rules]} all match "
                                  f"'{fee}' on {day}; make one more specific or end one's dates")
            chosen.append(rules[0])
        order = {r.id: i for i, r in enumerate(self.rules)}
        return sorted(chosen, key=lambda r: order[r.id])

    def change_dates(self) -> list[dt.date]:
        """Dates on which some rule starts or stops: fees are constant between them."""
        days = {d for r in self.rules for d in (r.effective_from, r.effective_until) if d is not None}
        return sorted(days)


def builtin_names() -> list[str]:
    folder = resources.files("merchant_ai.pricing") / "fees"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_builtin(platform: str) -> Preset:
    path = resources.files("merchant_ai.pricing") / "fees" / f"{platform}.json"
    if not path.is_file():
        raise PresetError(f"no fee preset named {platform!r}; known: {', '.join(builtin_names())}")
    return Preset.from_dict(json.loads(path.read_text(encoding="utf-8")))


class PresetLibrary:
    """The shipped presets overlaid with the owner's saved ones, and the channel-to-preset map."""

    def __init__(self, user_presets: dict[str, dict] | None = None,
                 channel_presets: dict[str, str] | None = None) -> None:
        self.user_presets = dict(user_presets or {})
        self.channel_presets = {**DEFAULT_CHANNEL_PRESETS, **(channel_presets or {})}
        self._cache: dict[str, Preset] = {}

    @classmethod
    def from_store(cls, store: Store) -> PresetLibrary:
        return cls(json.loads(store.get_setting(SETTINGS_KEY, "{}") or "{}"),
                   json.loads(store.get_setting(CHANNEL_MAP_KEY, "{}") or "{}"))

    def names(self) -> list[str]:
        return sorted(set(builtin_names()) | set(self.user_presets))

    def get(self, platform: str) -> Preset:
        name = platform.strip().lower()
        name = self.channel_presets.get(name, name)
        if name not in self._cache:
            if name in self.user_presets:
                self._cache[name] = Preset.from_dict(self.user_presets[name], user_defined=True)
            else:
                self._cache[name] = load_builtin(name)
        return self._cache[name]

    def for_channel(self, channel: str) -> Preset | None:
        """The preset a store channel's fees follow, or None when none is known for it."""
        name = self.channel_presets.get(channel.strip().lower())
        if name is None and channel.strip().lower() not in self.user_presets:
            return None
        try:
            return self.get(name or channel)
        except PresetError:
            return None


def save_user_preset(store: Store, preset: Preset | dict[str, Any]) -> None:
    """Validate and store an edited or new preset (it then overrides a shipped one of that name)."""
    data = preset.to_dict() if isinstance(preset, Preset) else dict(preset)
    Preset.from_dict(data)  # refuse invalid data before it reaches the store
    saved = json.loads(store.get_setting(SETTINGS_KEY, "{}") or "{}")
    saved[str(data["platform"]).lower()] = data
    store.set_setting(SETTINGS_KEY, json.dumps(saved, ensure_ascii=False))


def delete_user_preset(store: Store, platform: str) -> bool:
    """Forget an owner's preset (a shipped one of that name applies again)."""
    saved = json.loads(store.get_setting(SETTINGS_KEY, "{}") or "{}")
    removed = saved.pop(platform.lower(), None) is not None
    store.set_setting(SETTINGS_KEY, json.dumps(saved, ensure_ascii=False))
    return removed


def map_channel(store: Store, channel: str, platform: str) -> None:
    """Say which preset a channel's fees follow (e.g. a 'generic' channel paid through Stripe)."""
    mapping = json.loads(store.get_setting(CHANNEL_MAP_KEY, "{}") or "{}")
    mapping[channel.lower()] = platform.lower()
    store.set_setting(CHANNEL_MAP_KEY, json.dumps(mapping))
