#!/usr/bin/env python3
"""sse_many.py - many live streams from one process, for test_stream_many.sh.

Opens COUNT streams (GET PATH with the tokens taken in turn) against the
gateway at HOST:PORT, a few at a time, and waits until each has its
headers and the retry hint. Then writes READY (JSON: how many opened, the
statuses of those refused) and waits until every open stream has received
one complete event of type EXPECT (or TIMEOUT seconds pass). Writes OUT
(JSON: opened, got, the statuses refused, the time the last one got it in
epoch milliseconds, how many streams ended early), then keeps the streams
open until they are closed by the gateway, or STOP appears, or HOLD
seconds pass. Only loopback addresses are used.

usage: sse_many.py HOST PORT PATH TOKENS COUNT EXPECT READY OUT STOP TIMEOUT HOLD
"""
import asyncio
import json
import os
import sys
import time

CONNECTS_AT_ONCE = 50
READ_CHUNK = 4096


class Stream:
    def __init__(self):
        self.status = None
        self.ready = asyncio.Event()
        self.got = asyncio.Event()
        self.got_at = None
        self.closed = False


async def follow(host, port, path, token, expect, stream, gate):
    async with gate:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            stream.status = "connect"
            stream.ready.set()
            return
        writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        head = b""
        try:
            while b"\r\n\r\n" not in head:
                piece = await reader.read(READ_CHUNK)
                if not piece:
                    break
                head += piece
        except OSError:
            pass
    status_line = head.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = status_line.split(" ")
    stream.status = parts[1] if len(parts) > 1 else "none"
    body = head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in head else b""
    if stream.status != "200":
        stream.ready.set()
        writer.close()
        return
    want = f"event: {expect}\n".encode()
    try:
        while True:
            # Chunked framing is ignored: the test only looks for whole
            # lines, which the chunk sizes never split here.
            if not stream.ready.is_set() and b"retry: " in body:
                stream.ready.set()
            if not stream.got.is_set() and want in body:
                at = body.index(want)
                if b"\n\n" in body[at:]:
                    stream.got_at = time.time()
                    stream.got.set()
            if len(body) > 1 << 16:
                body = body[-4096:]
            piece = await reader.read(READ_CHUNK)
            if not piece:
                break
            body += piece.replace(b"\r\n", b"\n")
    except OSError:
        pass
    stream.closed = True
    stream.ready.set()
    writer.close()


async def main():
    (host, port, path, tokens, count, expect, ready_file, out_file, stop_file, timeout,
     hold) = sys.argv[1:12]
    if not host.startswith("127."):
        sys.exit("loopback only")
    tokens = tokens.split(",")
    count, timeout, hold = int(count), float(timeout), float(hold)
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    streams = [Stream() for _ in range(count)]
    tasks = [asyncio.create_task(follow(host, int(port), path, tokens[i % len(tokens)], expect, s, gate))
             for i, s in enumerate(streams)]
    try:
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), timeout)
    except asyncio.TimeoutError:
        pass
    opened = [s for s in streams if s.status == "200" and not s.closed]
    refused = {}
    for s in streams:
        if s.status != "200":
            refused[s.status] = refused.get(s.status, 0) + 1
    with open(ready_file + ".tmp", "w") as f:
        json.dump({"opened": len(opened), "refused": refused}, f)
    os.rename(ready_file + ".tmp", ready_file)
    try:
        await asyncio.wait_for(asyncio.gather(*(s.got.wait() for s in opened)), timeout)
    except asyncio.TimeoutError:
        pass
    got = [s for s in opened if s.got.is_set()]
    result = {
        "opened": len(opened),
        "got": len(got),
        "refused": refused,
        "last_ms": int(max((s.got_at for s in got), default=0) * 1000),
        "ended_early": sum(1 for s in opened if s.closed and not s.got.is_set()),
    }
    with open(out_file + ".tmp", "w") as f:
        json.dump(result, f)
    os.rename(out_file + ".tmp", out_file)
    deadline = time.time() + hold
    while time.time() < deadline and not os.path.exists(stop_file) and not all(s.closed for s in opened):
        await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


asyncio.run(main())
