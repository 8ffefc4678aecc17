"""A passphrase strength hint: a rough guess-count estimate, shown while the owner types.

Not zxcvbn (a dependency for one label is not worth it), but honest about the usual weak spots:
length, character variety, repeats and sequences, and the most common passwords. The data key is
protected by scrypt on top, so "fair" here still means a slow offline attack.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_COMMON = {
    "password", "passw0rd", "123456", "12345678", "123456789", "qwerty", "qwertyuiop", "letmein",
    "welcome", "admin", "iloveyou", "monkey", "dragon", "football", "baseball", "abc123", "111111",
    "sunshine", "princess", "trustno1", "shop", "myshop", "merchant", "secret", "demo", "changeme",
}
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm")
LABELS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


@dataclass(frozen=True)
class Strength:
    score: int        # 0..4
    bits: float       # estimated entropy
    label: str
    hint: str


def _pool_size(text: str) -> int:
    pool = 0
    if re.search(r"[a-z]", text):
        pool += 26
    if re.search(r"[A-Z]", text):
        pool += 26
    if re.search(r"\d", text):
        pool += 10
    if re.search(r"[^A-Za-z0-9]", text):
        pool += 33
    return max(pool, 1)


def _effective_length(text: str) -> float:
    """Length with repeats and keyboard/alphabet runs counted once-ish."""
    low = text.lower()
    length = 0.0
    for i, ch in enumerate(low):
        if i and ch == low[i - 1]:
            length += 0.25
        elif i and any(low[i - 1:i + 1] in seq for seq in _SEQUENCES):
            length += 0.35
        else:
            length += 1.0
    return length


def estimate(passphrase: str) -> Strength:
    """Score a passphrase; words separated by spaces count as a passphrase (long beats clever)."""
    if not passphrase:
        return Strength(0, 0.0, LABELS[0], "Choose a passphrase: a few unrelated words work well.")
    if passphrase.lower().strip() in _COMMON:
        return Strength(0, 5.0, LABELS[0], "This is one of the most common passwords.")
    bits = _effective_length(passphrase) * math.log2(_pool_size(passphrase))
    words = [w for w in re.split(r"[\s\-_.]+", passphrase) if len(w) >= 3]
    if len(words) >= 3:  # diceware-like: ~11 bits per word from a large vocabulary, at least
        bits = max(bits, 11.0 * len(words))
    score = 0 if bits < 28 else 1 if bits < 40 else 2 if bits < 60 else 3 if bits < 80 else 4
    if score <= 1:
        hint = "Too easy to guess. Make it longer: four or more unrelated words are easy to remember."
    elif score == 2:
        hint = "OK, but longer is better: add another word."
    else:
        hint = "Good. Store it somewhere safe; the recovery code is your only other way in."
    return Strength(score, bits, LABELS[score], hint)
