"""The harness itself: the network is really blocked and the hub is really offline."""

from __future__ import annotations

import os
import socket

import pytest
from support import NetworkBlocked


def test_outgoing_connection_is_blocked() -> None:
    with pytest.raises(NetworkBlocked, match="offline"):
        socket.create_connection(("93.184.216.34", 443), timeout=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlocked):
            sock.connect(("huggingface.co", 443))
    finally:
        sock.close()


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        client = socket.create_connection(server.getsockname(), timeout=1)
        client.close()
    finally:
        server.close()


def test_hub_is_offline() -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    import huggingface_hub.constants as c

    assert c.HF_HUB_OFFLINE
