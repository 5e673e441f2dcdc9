#!/usr/bin/env python3
"""sse_watch.py - many live streams held open from one process, for the vote
storm of bench/run.sh: when does each stream receive each vote.closed?

usage: sse_watch.py HOST PORT PATH TOKENS_FILE READY OUT STOP TIMEOUT

Opens one stream (GET PATH) per token of TOKENS_FILE (one a line) against
the gateway at HOST:PORT (loopback only), a few connections at a time.
Writes READY (JSON: how many opened, the statuses of those refused) once
every stream has its headers and its retry hint. Then, for every
vote.closed event a stream receives, appends a line to OUT as soon as it
arrives: {"vote", "stream", "at" (epoch ms), "tally" ([counts])}; and for
every refresh or end, {"control", "stream", "at"}. Runs until STOP exists,
every stream has ended, or TIMEOUT seconds have passed.

Built to cost little per byte, so that it measures the gateway rather than
itself: the chunked body is undone chunk by chunk, each piece is searched
once for the end of an event, and only the events that matter are parsed.
"""
import asyncio
import json
import os
import sys
import time

CONNECTS_AT_ONCE = 50
WANT = b"event: vote.closed\n"
CONTROLS = (b"event: refresh\n", b"event: end\n")


class Watch(asyncio.Protocol):
    def __init__(self, index, request, sink):
        self.index = index
        self.request = request
        self.sink = sink
        self.status = None
        self.head = b""
        self.chunked = False
        self.raw = b""  # body bytes not yet un-chunked
        self.left = -1  # bytes of the current chunk to come; -1: a size line next
        self.tail = b""  # the unfinished last event
        self.ready = asyncio.get_running_loop().create_future()
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_result(False)
        if not self.done.done():
            self.done.set_result(True)

    def data_received(self, data):
        if self.status is None:
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            head, _, data = self.head.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            self.status = parts[1].decode() if len(parts) > 1 else "none"
            self.chunked = any(h.lower().replace(b" ", b"") == b"transfer-encoding:chunked" for h in lines[1:])
            if self.status != "200":
                self.ready.set_result(False)
                self.transport.close()
                return
        if self.chunked:
            self.unchunk(data)
        else:
            self.events(data)

    def unchunk(self, data):
        raw = self.raw + data if self.raw else data
        pos, end = 0, len(raw)
        while pos < end:
            if self.left < 0:
                cut = raw.find(b"\r\n", pos)
                if cut < 0:
                    break
                size = int(raw[pos:cut].split(b";")[0], 16)
                pos = cut + 2
                if size == 0:
                    self.transport.close()
                    return
                self.left = size
            take = min(self.left, end - pos)
            if take:
                self.events(raw[pos:pos + take])
                pos += take
                self.left -= take
            if self.left == 0:
                if end - pos < 2:
                    break
                pos += 2
                self.left = -1
        self.raw = raw[pos:]

    def events(self, piece):
        buf = self.tail + piece if self.tail else piece
        cut = buf.rfind(b"\n\n")
        if cut < 0:
            self.tail = buf
            return
        block, self.tail = buf[:cut + 2], buf[cut + 2:]
        if not self.ready.done() and b"retry: " in block:
            self.ready.set_result(True)
        if WANT in block:
            now = int(time.time() * 1000)
            for frame in block.split(b"\n\n"):
                if WANT not in frame:
                    continue
                for line in frame.split(b"\n"):
                    if line.startswith(b"data: "):
                        data = json.loads(line[6:])
                        vote = data.get("payload", {}).get("vote", {})
                        self.sink({"vote": data.get("subject"), "stream": self.index, "at": now,
                                   "tally": [t.get("count", 0) for t in vote.get("tally", [])]})
        for control in CONTROLS:
            if control in block:
                self.sink({"control": control[7:-1].decode(), "stream": self.index,
                           "at": int(time.time() * 1000)})


async def main():
    host, port, path, tokens_file, ready_file, out_file, stop_file, timeout = sys.argv[1:9]
    if not host.startswith("127."):
        sys.exit("loopback only")
    with open(tokens_file) as f:
        tokens = [t.strip() for t in f if t.strip()]
    out = open(out_file, "a")

    def sink(record):
        out.write(json.dumps(record) + "\n")
        out.flush()

    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    watches = []

    async def open_one(i, token):
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                   "Accept: text/event-stream\r\n\r\n").encode()
        async with gate:
            try:
                _, w = await loop.create_connection(lambda: Watch(i, request, sink), host, int(port))
            except OSError:
                return None
            watches.append(w)
            try:
                await asyncio.wait_for(asyncio.shield(w.ready), float(timeout))
            except asyncio.TimeoutError:
                pass
            return w

    opened = await asyncio.gather(*(open_one(i, t) for i, t in enumerate(tokens)))
    refused = {}
    for w in opened:
        status = w.status if w else "connect"
        if status != "200":
            refused[str(status)] = refused.get(str(status), 0) + 1
    ok = sum(1 for w in opened if w and w.ready.done() and w.ready.result())
    with open(ready_file + ".tmp", "w") as f:
        json.dump({"opened": ok, "refused": refused}, f)
    os.rename(ready_file + ".tmp", ready_file)
    deadline = time.time() + float(timeout)
    while time.time() < deadline and not os.path.exists(stop_file) and not all(w.done.done() for w in watches):
        await asyncio.sleep(0.05)
    for w in watches:
        w.transport.close()
    out.close()


asyncio.run(main())
