"""Suggest that SKUs of different channels are one product, for the owner to confirm.

A shop lists the same mug as `MUG-BLU-01` on Shopify, `mug_blu_01` on Etsy and under an ASIN-keyed
SKU on Amazon. Forecasts and stock must work on one master SKU, but merging wrongly is worse than
not merging, so this module only proposes pairs with a score and a reason; `confirm_match` writes
the owner's decision into `sku_aliases` (confirmed = 1) and re-points existing order lines.

Two signals: the normalised SKU (case, separators and leading zeros ignored) and the title
similarity (difflib's ratio over normalised word sets, so word order and filler words matter less).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from merchant_ai.store import Store

_SEPARATORS = re.compile(r"[\s\-_./#]+")
_STOP = {"the", "a", "an", "and", "of", "for", "with", "in", "set", "pcs", "x"}


def normalise_sku(sku: str) -> str:
    """`MUG-BLU-01`, `mug_blu_01` and `Mug Blu 1` all become `mugblu1`."""
    text = _SEPARATORS.sub("", sku.strip().lower())
    return re.sub(r"(?<!\d)0+(?=\d)", "", text)


def title_tokens(title: str) -> str:
    words = re.findall(r"[\w]+", title.lower())
    return " ".join(sorted(w for w in words if w not in _STOP))


def title_similarity(a: str, b: str) -> float:
    """0..1, word order ignored.

    When each title has a word the other lacks ("... Yarn Slate" against "... Yarn Rust"), those
    words usually name the attribute that tells two products apart (colour, size), so the score is
    at most the share of words they have in common: the letter-level ratio alone put every colour
    of a product at ~0.88 against every other.
    """
    if not a or not b:
        return 0.0
    ta, tb = title_tokens(a), title_tokens(b)
    ratio = difflib.SequenceMatcher(None, ta, tb).ratio()
    wa, wb = set(ta.split()), set(tb.split())
    if wa - wb and wb - wa:
        ratio = min(ratio, len(wa & wb) / len(wa | wb))
    return ratio


@dataclass
class Suggestion:
    channel_a: str
    sku_a: str
    channel_b: str
    sku_b: str
    score: float
    reason: str
    title_a: str | None = None
    title_b: str | None = None
    master_a: str | None = None      # the master SKUs the two channel SKUs map to now
    master_b: str | None = None


def _channel_skus(store: Store) -> list[tuple[str, str, str, str]]:
    """(channel, channel_sku, master sku, title) for every alias not yet confirmed."""
    # A variant's title is its product's plus the variant ("Chunky Wool Yarn" + "Rust"): without it
    # every colour of a product looked like the same product on another channel (demo shop).
    rows = store.connection().execute("""
        SELECT c.name, a.channel_sku, a.sku, COALESCE(
               CASE WHEN p.variant IS NOT NULL AND p.variant != '' AND instr(lower(p.title), lower(p.variant)) = 0
                    THEN p.title || ' ' || p.variant ELSE p.title END,
               (SELECT l.title FROM order_lines l WHERE l.channel_sku = a.channel_sku AND l.title IS NOT NULL LIMIT 1))
        FROM sku_aliases a JOIN channels c ON c.id = a.channel_id LEFT JOIN products p ON p.sku = a.sku
        WHERE a.confirmed = 0""").fetchall()
    return [(r[0], r[1], r[2], r[3] or "") for r in rows]


def suggest_matches(store: Store, min_title_score: float = 0.85, limit: int = 200) -> list[Suggestion]:
    """Cross-channel pairs that look like one product, best first (same-channel pairs are never proposed)."""
    items = _channel_skus(store)
    # Variants of one product (same parent) are different products by definition, however alike.
    parent = dict(store.connection().execute(
        "SELECT sku, parent_sku FROM products WHERE parent_sku IS NOT NULL AND parent_sku != ''").fetchall())
    found = suggest_from(items, min_title_score=min_title_score, limit=None)
    return [s for s in found if not (s.master_a != s.master_b and parent.get(s.master_a) is not None
                                     and parent.get(s.master_a) == parent.get(s.master_b))][:limit]


def suggest_from(items: list[tuple[str, str, str, str]], min_title_score: float = 0.85,
                 limit: int | None = 200) -> list[Suggestion]:
    """The matching itself, on (channel, channel_sku, master_sku, title) tuples."""
    out: list[Suggestion] = []
    by_norm: dict[str, list[tuple[str, str, str, str]]] = {}
    for item in items:
        by_norm.setdefault(normalise_sku(item[1]), []).append(item)
    seen: set[tuple[str, str]] = set()
    for group in by_norm.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a[0] != b[0] and a[2] != b[2]:
                    out.append(Suggestion(a[0], a[1], b[0], b[1], 1.0, "same SKU once case and separators are "
                                          "ignored", a[3], b[3], a[2], b[2]))
                    seen.add((a[2], b[2]))
    # Titles: bucket by first token to avoid comparing every pair in big catalogues.
    buckets: dict[str, list[tuple[str, str, str, str]]] = {}
    for item in items:
        tokens = title_tokens(item[3]).split()
        for tok in tokens[:3]:
            buckets.setdefault(tok, []).append(item)
    for group in buckets.values():
        if len(group) > 400:
            continue
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a[0] == b[0] or a[2] == b[2] or (a[2], b[2]) in seen or (b[2], a[2]) in seen:
                    continue
                score = title_similarity(a[3], b[3])
                if score >= min_title_score:
                    seen.add((a[2], b[2]))
                    out.append(Suggestion(a[0], a[1], b[0], b[1], round(score, 3),
                                          f"titles {score:.0%} alike", a[3], b[3], a[2], b[2]))
    out.sort(key=lambda s: -s.score)
    return out[:limit]


def confirm_match(store: Store, channel: str, channel_sku: str, master_sku: str) -> int:
    """Map a channel SKU onto a master SKU for good; returns the order lines re-pointed."""
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM channels WHERE name = ?", (channel,)).fetchone()
        if row is None:
            raise KeyError(f"no channel named {channel!r}")
        cid = row[0]
        conn.execute("INSERT INTO sku_aliases(channel_id, channel_sku, sku, confirmed) VALUES (?, ?, ?, 1) "
                     "ON CONFLICT(channel_id, channel_sku) DO UPDATE SET sku = excluded.sku, confirmed = 1, "
                     "import_id = NULL", (cid, channel_sku, master_sku))
        # A line storing no title of its own shows its product's (see writer._line_titles): it
        # keeps the title it was sold under, not the new master's.
        n = conn.execute("UPDATE order_lines SET title = COALESCE(title, (SELECT p.title FROM products p "
                         "WHERE p.sku = order_lines.sku)), sku = ? WHERE channel_sku = ? AND order_id IN "
                         "(SELECT id FROM orders WHERE channel_id = ?)", (master_sku, channel_sku, cid)).rowcount
        store.bump_data_version()
    return n


def accept(store: Store, s: Suggestion) -> int:
    """The owner says both are one product: B's channel SKU maps onto A's master SKU, and both
    pairings are confirmed (so neither is proposed again). Returns the order lines re-pointed."""
    master = s.master_a or s.sku_a
    return confirm_match(store, s.channel_a, s.sku_a, master) + confirm_match(store, s.channel_b, s.sku_b, master)


def reject(store: Store, s: Suggestion) -> None:
    """The owner says they differ: each keeps its own master SKU, confirmed, so the pair is not
    proposed again."""
    confirm_match(store, s.channel_a, s.sku_a, s.master_a or s.sku_a)
    confirm_match(store, s.channel_b, s.sku_b, s.master_b or s.sku_b)
