"""Key handling: a random data key, wrapped by the owner's passphrase and shown as a recovery code.

The database is encrypted with a random 256-bit data key handed to SQLCipher raw (no per-open
PBKDF2, so opening a connection costs ~0.1 ms and every thread can have its own). The data key is
kept on disk only wrapped with AES-256-GCM under a key derived from the passphrase with scrypt
(memory-hard; parameters stored beside the wrapped key so they can be raised later). Changing the
passphrase rewraps the key; nothing is re-encrypted. The recovery code *is* the data key, in
base32 with a checksum so a typo is caught before we try it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from merchant_ai.store.errors import KeyFileDamaged, WrongPassphrase, WrongRecoveryCode

KEY_BYTES = 32
CHECK_BYTES = 3
# 2**17 * 8 * 128 B = 128 MiB of memory, ~0.3-0.6 s on a laptop. Tests and very small machines
# may lower it with MERCHANT_AI_KDF_LOG2N (never below 2**14); the value used is stored per shop.
DEFAULT_LOG2N = 17
MIN_LOG2N = 14


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def kdf_log2n() -> int:
    raw = os.environ.get("MERCHANT_AI_KDF_LOG2N", "")
    try:
        return max(MIN_LOG2N, int(raw)) if raw else DEFAULT_LOG2N
    except ValueError:
        return DEFAULT_LOG2N


def _derive(passphrase: str, salt: bytes, log2n: int, r: int, p: int) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=2**log2n, r=r, p=p)
    return kdf.derive(passphrase.encode("utf-8"))


@dataclass(frozen=True)
class WrappedKey:
    """What the key file holds: enough to unwrap the data key given the passphrase."""

    salt: bytes
    nonce: bytes
    ciphertext: bytes
    log2n: int
    r: int = 8
    p: int = 1

    def to_json(self) -> str:
        b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
        return json.dumps(
            {"version": 1, "kdf": "scrypt", "log2n": self.log2n, "r": self.r, "p": self.p,
             "salt": b64(self.salt), "nonce": b64(self.nonce), "wrapped_key": b64(self.ciphertext)},
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> WrappedKey:
        data = json.loads(text)
        if data.get("version") != 1 or data.get("kdf") != "scrypt":
            raise ValueError("unknown key file version")
        d = base64.b64decode
        return cls(salt=d(data["salt"]), nonce=d(data["nonce"]), ciphertext=d(data["wrapped_key"]),
                   log2n=int(data["log2n"]), r=int(data["r"]), p=int(data["p"]))


def wrap(data_key: bytes, passphrase: str, log2n: int | None = None) -> WrappedKey:
    log2n = kdf_log2n() if log2n is None else log2n
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kek = _derive(passphrase, salt, log2n, 8, 1)
    ct = AESGCM(kek).encrypt(nonce, data_key, b"merchant-ai data key v1")
    return WrappedKey(salt=salt, nonce=nonce, ciphertext=ct, log2n=log2n)


def unwrap(wrapped: WrappedKey, passphrase: str) -> bytes:
    kek = _derive(passphrase, wrapped.salt, wrapped.log2n, wrapped.r, wrapped.p)
    try:
        return AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, b"merchant-ai data key v1")
    except InvalidTag:
        raise WrongPassphrase("Wrong passphrase. Nothing was changed. "
                              "Forgot it? Use the recovery code: `merchant-ai recover`.") from None


def write_key_file(path: Path, wrapped: WrappedKey) -> None:
    """Atomic replace: a crash leaves either the old file or the new one, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(wrapped.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_key_file(path: Path) -> WrappedKey:
    if not path.exists():
        raise KeyFileDamaged(f"The key file {path} is missing. Open the shop with its recovery code "
                             "(`merchant-ai recover`) to set a new passphrase.")
    try:
        return WrappedKey.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise KeyFileDamaged(f"The key file {path} is damaged ({exc}). Open the shop with its recovery "
                             "code (`merchant-ai recover`) to write a new one.") from None


# --- recovery code ---------------------------------------------------------------------------

_TYPO_MAP = str.maketrans({"0": "O", "1": "I", "8": "B"})


def recovery_code(data_key: bytes) -> str:
    """The data key plus a 3-byte checksum, base32 in groups of four: 14 groups of A-Z2-7."""
    check = hashlib.sha256(b"merchant-ai recovery" + data_key).digest()[:CHECK_BYTES]
    text = base64.b32encode(data_key + check).decode("ascii").rstrip("=")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def parse_recovery_code(code: str) -> bytes:
    """The data key from a typed code; raises WrongRecoveryCode on any typo the checksum catches."""
    clean = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_TYPO_MAP)
    expected = len(base64.b32encode(bytes(KEY_BYTES + CHECK_BYTES)).decode().rstrip("="))
    if len(clean) != expected:
        raise WrongRecoveryCode(f"That recovery code has {len(clean)} letters; it should have {expected}. "
                                "Check it and try again.")
    try:
        raw = base64.b32decode(clean + "=" * (-len(clean) % 8))
    except ValueError:
        raise WrongRecoveryCode("That recovery code contains characters that cannot appear in one.") from None
    key, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if hashlib.sha256(b"merchant-ai recovery" + key).digest()[:CHECK_BYTES] != check:
        raise WrongRecoveryCode("That recovery code has a typo (its checksum does not match). "
                                "Check each group and try again.")
    return key
