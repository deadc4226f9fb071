"""A real server answers 413 to a too large body before the body is even sent."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from tests.helpers.server_process import ServerProcess

pytestmark = pytest.mark.e2e

ANSWER_TIMEOUT = 10.0


def test_declared_megabyte_is_refused_before_it_is_sent(module_server: ServerProcess) -> None:
    """Only the headers of a 1 MB POST go out; 413 payload_too_large comes back at once."""
    head = (
        "POST /api/v1/desk/transfer HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{module_server.port}\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 1048576\r\n"
        "\r\n"
    )
    with socket.create_connection(("127.0.0.1", module_server.port), ANSWER_TIMEOUT) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            piece = sock.recv(65536)  # a server waiting for the body times out here
            if not piece:
                break
            answer += piece
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer
    problem = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert problem["code"] == "payload_too_large"
    health = httpx.get(f"{module_server.url}/api/v1/health", timeout=ANSWER_TIMEOUT)
    assert health.status_code == 200  # and the server goes on serving
