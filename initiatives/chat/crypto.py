"""The webhook URL of a channel is a credential (whoever has it posts to the channel): stored
encrypted with Fernet (AES-128-CBC and HMAC-SHA256) under a key derived from
``CHAT_ENCRYPTION_KEY`` (default: ``SECRET_KEY``). Rotating that key makes the stored URLs
unreadable: the channels then need their URL entered again."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class UnreadableSecret(Exception):
    pass


def _fernet() -> Fernet:
    secret = getattr(settings, "CHAT_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    digest = hashlib.sha256(f"shipshape.chat.webhook-url:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            "The channel's webhook URL cannot be read with the current key; enter it again."
        ) from None


def hint(url: str) -> str:
    """What may be shown of a webhook URL: its host and its last four characters."""
    parts = urlsplit(url)
    return f"{parts.hostname or '?'}/…{url[-4:]}"
