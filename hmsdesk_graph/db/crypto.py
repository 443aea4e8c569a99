"""Field encryption for personal data: Fernet ciphertext plus a keyed hash for lookup."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken


class FieldCipher:
    """Encrypts personal values and derives lookup hashes from one configured key."""

    def __init__(self, key: str) -> None:
        raw = base64.urlsafe_b64decode(key.encode())
        # Separate sub-keys so a leaked lookup hash key never decrypts anything.
        enc_key = hmac.new(raw, b"hmsdesk-field-encryption", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(enc_key))
        self._hash_key = hmac.new(raw, b"hmsdesk-lookup-hash", hashlib.sha256).digest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("ciphertext does not match the configured field key") from exc

    def lookup_hash(self, value: str, kind: str) -> str:
        """Keyed hash of a normalised value (`kind` is "phone" or "email")."""
        normalised = normalise_phone(value) if kind == "phone" else value.strip().lower()
        return hmac.new(self._hash_key, f"{kind}:{normalised}".encode(), "sha256").hexdigest()


def normalise_phone(phone: str) -> str:
    """Digits only, with India's +91 prefix made explicit for 10-digit numbers."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10:
        digits = "91" + digits
    return "+" + digits


def mask_phone(phone: str) -> str:
    """Keep only the last two digits: "+91 ******** 42"."""
    digits = re.sub(r"\D", "", phone)
    return f"+91 ******** {digits[-2:]}" if len(digits) >= 2 else "********"
