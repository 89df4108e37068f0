"""The weekly emails as rendered (``RenderedEmail``), and an email backend that writes each
message to its own ``.eml`` file (the default without SMTP settings): open ``var/mail/*.eml``
in any mail client to see exactly what would be sent."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.crypto import get_random_string


@dataclass(frozen=True)
class RenderedEmail:
    """One digest or reminder, ready to send (frozen into its delivery row)."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str | os.PathLike | None = None, **kwargs):
        super().__init__(**kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)
        self._lock = threading.Lock()

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        sent = 0
        with self._lock:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                for message in email_messages:
                    self._write(message.message().as_bytes(linesep="\r\n"))
                    sent += 1
            except OSError:
                if not self.fail_silently:
                    raise
        return sent

    def _write(self, data: bytes) -> Path:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.directory / f"{stamp}-{get_random_string(6)}.eml"
        # Write then rename, so a reader never sees half a message.
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, path)
        return path
