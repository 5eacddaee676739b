"""An e-mail backend that takes its time, for the worker started by ``test_lost_worker.py``.

Each message is marked as begun, then, ``SLOW_MAIL_SECONDS`` later, as sent:
one line each in the files ``begun`` and ``sent`` of ``SLOW_MAIL_DIR``, with
the time, so that the test sees a worker killed in the middle of a send.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def _mark(name, message):
    with (Path(os.environ["SLOW_MAIL_DIR"]) / name).open("a", encoding="utf-8") as marks:
        marks.write(f"{time.time()} {message.to[0]} {message.subject}\n")


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            _mark("begun", message)
            time.sleep(float(os.environ["SLOW_MAIL_SECONDS"]))
            _mark("sent", message)
        return len(email_messages)
