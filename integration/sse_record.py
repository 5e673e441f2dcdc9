#!/usr/bin/env python3
"""sse_record.py - record live streams (Server-Sent Events) event by event,
and compare what each stream got with what it should have got.

  sse_record.py record HOST PORT SPEC OUT_DIR READY STOP TIMEOUT
      SPEC is a JSON file: a list of {"name", "token", "path",
      "last_event_id" (optional)}. Opens every stream at once against the
      gateway at HOST:PORT (loopback only) and, for each, appends every
      complete event to OUT_DIR/<name>.jsonl as soon as it arrives, one JSON
      object a line: {"id", "event", "data" (parsed when JSON), "at" (epoch
      ms)}; comments and the retry hint are not events. The HTTP reply is
      read as HTTP/1.1 sends it (chunked transfer coding decoded). READY
      (JSON: how many opened, the statuses of those refused) is written once
      every stream has its headers and its retry hint. Runs until STOP
      exists, every stream has ended, or TIMEOUT seconds have passed; then
      writes OUT_DIR/<name>.end (JSON: HTTP status, whether the gateway
      closed it).

  sse_record.py compare EXPECTED STREAMS OUT_DIR
      EXPECTED is a JSON list of the events the node published (from the
      services' outboxes): {"event_id", "service", "seq" (its place in the
      service's audit chain, the order it was published in), "type",
      "meeting_id", "audience" (a list of user ids, or null)}.
      STREAMS is a JSON list of {"name", "user_id", "kind" ("meeting" or
      "personal"), "meeting_id", "after" ({service: seq}: events up to
      these rows came before the stream began)}. A meeting's stream should
      show exactly the meeting's events whose audience is empty or names
      its person; a personal stream exactly the events whose audience names
      its person (docs/events.md). Prints a JSON report: per stream what is
      missing, extra, repeated, out of order (each service's events must
      come in the order of its chain) and any control event (refresh,
      end), and the totals.
"""
import asyncio
import json
import os
import sys
import time

READ_CHUNK = 65536


class Stream:
    def __init__(self, spec, out_dir):
        self.spec = spec
        self.name = spec["name"]
        self.status = None
        self.ready = asyncio.Event()
        self.closed = False
        self.out = open(os.path.join(out_dir, self.name + ".jsonl"), "w", encoding="utf-8")
        self.out_dir = out_dir

    def finish(self):
        self.out.close()
        with open(os.path.join(self.out_dir, self.name + ".end"), "w") as f:
            json.dump({"status": self.status, "closed": self.closed}, f)


class SseParser:
    """Lines to events, as the EventSource algorithm reads them."""

    def __init__(self, emit):
        self.emit = emit
        self.pending = b""
        self.id = None
        self.event = None
        self.data = []
        self.retry_seen = False

    def feed(self, data):
        self.pending += data
        while True:
            cut = self.pending.find(b"\n")
            if cut < 0:
                return
            line = self.pending[:cut]
            self.pending = self.pending[cut + 1:]
            if line.endswith(b"\r"):
                line = line[:-1]
            self.line(line.decode("utf-8", errors="replace"))

    def line(self, line):
        if line == "":
            if self.data or self.event is not None:
                text = "\n".join(self.data)
                try:
                    data = json.loads(text)
                except ValueError:
                    data = text
                self.emit({"id": self.id, "event": self.event or "message", "data": data})
            self.id, self.event, self.data = None, None, []
            return
        if line.startswith(":"):
            return
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "id":
            self.id = value
        elif field == "event":
            self.event = value
        elif field == "data":
            self.data.append(value)
        elif field == "retry":
            self.retry_seen = True


class Chunked:
    """The chunked transfer coding, undone piece by piece."""

    def __init__(self, sink):
        self.sink = sink
        self.buf = b""
        self.left = None  # bytes of the current chunk still to come, None: a size line next
        self.done = False

    def feed(self, data):
        self.buf += data
        while self.buf and not self.done:
            if self.left is None:
                cut = self.buf.find(b"\r\n")
                if cut < 0:
                    return
                size = int(self.buf[:cut].split(b";")[0], 16)
                self.buf = self.buf[cut + 2:]
                if size == 0:
                    self.done = True
                    return
                self.left = size
            take = self.buf[: self.left]
            self.buf = self.buf[len(take):]
            self.left -= len(take)
            if take:
                self.sink(take)
            if self.left == 0:
                if len(self.buf) < 2:
                    self.left = 0
                    return
                self.buf = self.buf[2:]  # the chunk's CRLF
                self.left = None


async def follow(host, port, stream):
    spec = stream.spec
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        stream.status = "connect"
        stream.ready.set()
        return
    headers = (f"GET {spec['path']} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Authorization: Bearer {spec['token']}\r\nAccept: text/event-stream\r\n")
    if spec.get("last_event_id"):
        headers += f"Last-Event-ID: {spec['last_event_id']}\r\n"
    writer.write((headers + "\r\n").encode())
    try:
        await writer.drain()
        head = b""
        while b"\r\n\r\n" not in head:
            piece = await reader.read(READ_CHUNK)
            if not piece:
                break
            head += piece
    except OSError:
        head = b""
    raw_head, _, body = head.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    stream.status = parts[1] if len(parts) > 1 else "none"
    chunked = any(h.lower().replace(" ", "") == "transfer-encoding:chunked" for h in lines[1:])
    if stream.status != "200":
        stream.ready.set()
        writer.close()
        return

    def emit(event):
        event["at"] = int(time.time() * 1000)
        stream.out.write(json.dumps(event, ensure_ascii=False) + "\n")
        stream.out.flush()

    sse = SseParser(emit)
    decode = Chunked(sse.feed) if chunked else None

    def take(data):
        if decode:
            decode.feed(data)
        else:
            sse.feed(data)
        if sse.retry_seen:
            stream.ready.set()

    try:
        take(body)
        while not (decode and decode.done):
            piece = await reader.read(READ_CHUNK)
            if not piece:
                break
            take(piece)
    except (OSError, ValueError):
        pass
    stream.closed = True
    stream.ready.set()
    writer.close()


async def record(host, port, spec_file, out_dir, ready_file, stop_file, timeout):
    if not host.startswith("127."):
        sys.exit("loopback only")
    with open(spec_file) as f:
        specs = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    streams = [Stream(s, out_dir) for s in specs]
    tasks = [asyncio.create_task(follow(host, int(port), s)) for s in streams]
    deadline = time.time() + float(timeout)
    try:
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)),
                               max(1.0, deadline - time.time()))
    except asyncio.TimeoutError:
        pass
    refused = {}
    for s in streams:
        if s.status != "200":
            refused[str(s.status)] = refused.get(str(s.status), 0) + 1
    opened = sum(1 for s in streams if s.status == "200" and s.ready.is_set() and not s.closed)
    with open(ready_file + ".tmp", "w") as f:
        json.dump({"opened": opened, "refused": refused}, f)
    os.rename(ready_file + ".tmp", ready_file)
    while (time.time() < deadline and not os.path.exists(stop_file)
           and not all(t.done() for t in tasks)):
        await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for s in streams:
        s.finish()


def compare(expected_file, streams_file, out_dir):
    with open(expected_file) as f:
        published = json.load(f)
    with open(streams_file) as f:
        streams = json.load(f)
    by_id = {e["event_id"]: e for e in published}
    report = {"streams": len(streams), "exact": 0, "in_order": 0, "without_control": 0,
              "events_expected": 0, "events_received": 0, "problems": []}
    for s in streams:
        user, after = s["user_id"], s.get("after", {})

        def shown(e):
            if e["seq"] <= after.get(e["service"], 0):
                return False
            audience = e.get("audience") or []
            if s["kind"] == "personal":
                return user in audience
            return e.get("meeting_id") == s["meeting_id"] and (not audience or user in audience)

        want = [e["event_id"] for e in published if shown(e)]
        got, controls = [], []
        path = os.path.join(out_dir, s["name"] + ".jsonl")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    ev = json.loads(line)
                    if ev["event"] in ("refresh", "end"):
                        controls.append(ev["event"])
                    else:
                        got.append(ev["id"])
        missing = [i for i in want if i not in set(got)]
        extra = [i for i in got if i not in set(want)]
        repeated = len(got) - len(set(got))
        last, in_order = {}, True
        for i in got:
            e = by_id.get(i)
            if e is None:
                continue
            if e["seq"] <= last.get(e["service"], 0):
                in_order = False
            last[e["service"]] = e["seq"]
        exact = not missing and not extra and repeated == 0
        report["exact"] += exact
        report["in_order"] += in_order
        report["without_control"] += not controls
        report["events_expected"] += len(want)
        report["events_received"] += len(got)
        if not (exact and in_order and not controls):
            report["problems"].append({
                "stream": s["name"], "expected": len(want), "received": len(got),
                "missing": [[i, by_id[i]["type"]] for i in missing[:5]],
                "extra": [[i, by_id[i]["type"] if i in by_id else "?"] for i in extra[:5]],
                "repeated": repeated, "in_order": in_order, "controls": controls})
    print(json.dumps(report, ensure_ascii=False))


def main():
    if len(sys.argv) == 9 and sys.argv[1] == "record":
        asyncio.run(record(*sys.argv[2:9]))
    elif len(sys.argv) == 5 and sys.argv[1] == "compare":
        compare(*sys.argv[2:5])
    else:
        sys.exit(__doc__)


main()
