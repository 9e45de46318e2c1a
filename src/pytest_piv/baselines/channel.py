"""JSON lines over a pair of pipes: how the A/B controller talks to its workers.

The pipes are inherited file descriptors, not stdin/stdout, so pytest's output capture in
the worker never swallows a message.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
from typing import Any

#: Environment variable carrying "read_fd,write_fd" to a worker process.
CHANNEL_ENV = "PIV_AB_CHANNEL"

Message = dict[str, Any]


class ChannelClosed(Exception):
    """The other end went away or stayed silent past the timeout."""


class Channel:
    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._read_fd = read_fd
        self._write_fd = write_fd
        self._buffer = b""

    @classmethod
    def from_env(cls, value: str) -> Channel:
        read_fd, write_fd = (int(part) for part in value.split(","))
        return cls(read_fd, write_fd)

    def send(self, message: Message) -> None:
        data = (json.dumps(message) + "\n").encode()
        try:
            while data:
                written = os.write(self._write_fd, data)
                data = data[written:]
        except OSError as exc:
            raise ChannelClosed(f"cannot send: {exc}") from None

    def recv(self, timeout: float | None = None) -> Message:
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self._read_fd], [], [], timeout)
            if not ready:
                raise ChannelClosed(f"no message within {timeout:g}s")
            chunk = os.read(self._read_fd, 1 << 16)
            if not chunk:
                raise ChannelClosed("the other end closed the channel")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ChannelClosed(f"not a message: {line[:80]!r}")
        return message

    def close(self) -> None:
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
