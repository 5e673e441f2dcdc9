#!/usr/bin/env python3
"""http_sink.py - a small HTTP receiver standing in for an SMS gateway in
the tests.

    http_sink.py PORT DIR   listen on 127.0.0.1:PORT; print "ready" once
                            listening; append one JSON line per request to
                            DIR/requests.jsonl: method, path (without the
                            query), query, headers (names in lower case),
                            body (text), and the body as parsed: "json"
                            for application/json, "form" for
                            application/x-www-form-urlencoded (name ->
                            first value), else null.

The answer is 200 unless the query holds status=NNN, or else the file
DIR/status holds a number; its body is {"status": NNN}, or the query's
answer=TEXT; DIR/delay (seconds) makes it wait before
answering, for timeouts. Stops on SIGTERM/SIGINT or when the process that
started it ends.
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()


def read_number(path, kind):
    try:
        with open(path) as f:
            return kind(f.read().strip())
    except (OSError, ValueError):
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    out = "."

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        parsed_json, form = None, None
        if content_type == "application/json":
            try:
                parsed_json = json.loads(body)
            except ValueError:
                parsed_json = None
        elif content_type == "application/x-www-form-urlencoded":
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        record = {
            "method": self.command,
            "path": url.path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "json": parsed_json,
            "form": form,
        }
        with LOCK:
            with open(os.path.join(self.out, "requests.jsonl"), "a") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        delay = read_number(os.path.join(self.out, "delay"), float)
        if delay:
            time.sleep(delay)
        status = int(query["status"]) if "status" in query else None
        if status is None:
            status = read_number(os.path.join(self.out, "status"), int) or 200
        if "answer" in query:
            answer = query["answer"].encode()
        else:
            answer = json.dumps({"status": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = handle_any


def watch_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    os.makedirs(argv[2], exist_ok=True)
    Handler.out = argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", int(argv[1])), Handler)
    server.daemon_threads = True
    stop = lambda *_: threading.Thread(target=server.shutdown).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    print("ready", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
