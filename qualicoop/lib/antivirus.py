"""Uploaded files scanned by ClamAV's daemon (clamd), over its INSTREAM protocol.

Configured by ``CLAMD_SOCKET`` (a Unix socket) or ``CLAMD_HOST`` and
``CLAMD_PORT`` (TCP); without either, nothing is scanned. When a scanner is
configured, a file is accepted only on clamd's explicit "OK": a daemon that
is down, slow or answering something else refuses the file rather than let it
through unscanned.
"""

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

# clamd reads the stream in chunks, each preceded by its length (network order).
CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """The configured scanner could not give an answer."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""


def is_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _connect() -> socket.socket:
    timeout = settings.CLAMD_TIMEOUT
    if settings.CLAMD_SOCKET:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(settings.CLAMD_SOCKET)
        return connection
    return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=timeout)


def scan(data: bytes) -> Verdict:
    """clamd's verdict on ``data``; ``ScannerUnavailable`` when there is none."""
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                received = connection.recv(4096)
                if not received:
                    break
                answer += received
    except OSError as error:
        raise ScannerUnavailable(repr(error)) from error
    # "stream: OK", "stream: Eicar-Signature FOUND", or "... ERROR".
    reply = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if reply.endswith(" OK"):
        return Verdict(clean=True)
    if reply.endswith(" FOUND"):
        return Verdict(
            clean=False, signature=reply.removeprefix("stream:").strip()[: -len(" FOUND")]
        )
    raise ScannerUnavailable(reply or "no answer")
