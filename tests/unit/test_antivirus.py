"""qualicoop.lib.antivirus: clamd's INSTREAM protocol, over TCP here (the Unix socket is
exercised against a real clamd in tests/views/test_workspace_evidence.py)."""

import socket
import struct
import threading

import pytest

from qualicoop.lib import antivirus


def _fake_clamd(reply: bytes | None):
    """A one-shot TCP server reading an INSTREAM request and answering ``reply``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received = []

    def serve():
        connection, _address = server.accept()
        with connection:
            data = b""
            while not data.endswith(struct.pack("!L", 0)):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
            received.append(data)
            if reply is not None:
                connection.sendall(reply)
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1], received


@pytest.fixture
def clamd_tcp(settings):
    def start(reply):
        port, received = _fake_clamd(reply)
        settings.CLAMD_SOCKET = ""
        settings.CLAMD_HOST = "127.0.0.1"
        settings.CLAMD_PORT = port
        settings.CLAMD_TIMEOUT = 5
        return received

    return start


def test_it_streams_the_file_in_chunks_and_reads_a_clean_verdict(clamd_tcp):
    received = clamd_tcp(b"stream: OK\0")

    assert antivirus.scan(b"x" * 100_000) == antivirus.Verdict(clean=True)
    data = received[0]
    assert data.startswith(b"zINSTREAM\0" + struct.pack("!L", antivirus.CHUNK))
    assert data.endswith(struct.pack("!L", 0))


def test_it_names_the_threat_found(clamd_tcp):
    clamd_tcp(b"stream: Eicar-Test-Signature FOUND\0")

    assert antivirus.scan(b"x") == antivirus.Verdict(clean=False, signature="Eicar-Test-Signature")


@pytest.mark.parametrize("reply", [b"INSTREAM size limit exceeded. ERROR\0", None])
def test_anything_but_a_verdict_is_no_answer(clamd_tcp, reply):
    clamd_tcp(reply)

    with pytest.raises(antivirus.ScannerUnavailable):
        antivirus.scan(b"x")
