"""A lean HTTP/1.1 keep-alive client for load generators that must not be the bottleneck.

httpx's pool scans every waiting request for each freed connection, so thousands of concurrent customers
spend the benchmark's core in the client. Here a fixed set of connections waits in a queue; a request
borrows one, writes, reads the answer (Content-Length or chunked), and gives it back.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class Wire:
    def __init__(self, base_url: str, connections: int) -> None:
        url = urlsplit(base_url)
        self._host, self._port, self._size = url.hostname or "127.0.0.1", url.port or 80, connections
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def __aenter__(self) -> Wire:
        for _ in range(self._size):
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))
        return self

    async def __aexit__(self, *exc: object) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                      json_body: Any = None) -> tuple[int, bytes]:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}", f"Content-Length: {len(body)}"]
        if json_body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        reader, writer = await self._idle.get()
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            status, answer = await _read_response(reader)
        except BaseException:
            writer.close()  # a broken connection is replaced, not reused
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))
            raise
        self._idle.put_nowait((reader, writer))
        return status, answer


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
    if fields.get("transfer-encoding") == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readexactly(2)
        return status, b"".join(chunks)
    return status, await reader.readexactly(int(fields.get("content-length", "0")))
