#!/usr/bin/env python3
"""Test peers for the S3 adapter, each printing its port on the first line of stdout and exiting when
its stdin closes (so it dies with the test process that started it, however that process ends).

  s3-test-server.py moto
      moto's S3 server (moto[server] 5.2.1) on 127.0.0.1, a free port.
  s3-test-server.py proxy UPSTREAM_PORT RULES_JSON
      a loopback HTTP proxy to 127.0.0.1:UPSTREAM_PORT that answers some requests with a fault instead
      of forwarding them. RULES_JSON is a list of {"match": "...", "status": 503, "code": "SlowDown",
      "times": 2}: a request whose "METHOD PATH?QUERY" line contains `match` gets the fault, for the
      first `times` such requests (then it is forwarded). With "hang": true the request gets no answer
      at all until the client gives up, and the proxy prints "hang" on stdout when one starts. GET /__faults answers how many requests each
      rule saw and faulted, as JSON.
"""
import http.client
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def wait_for_stdin_then_exit():
    sys.stdin.read()
    os._exit(0)


def run_moto():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    wait_for_stdin_then_exit()


def run_proxy(upstream_port, rules):
    lock = threading.Lock()
    for rule in rules:
        rule.setdefault("times", 1)
        rule["seen"] = 0
        rule["faulted"] = 0

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path == "/__faults":
                with lock:
                    data = json.dumps([{"seen": r["seen"], "faulted": r["faulted"]} for r in rules]).encode()
                return self.answer(200, {"Content-Type": "application/json"}, data)
            line = f"{self.command} {self.path}"
            fault = None
            with lock:
                for rule in rules:
                    if rule["match"] in line:
                        rule["seen"] += 1
                        if rule["faulted"] < rule["times"]:
                            rule["faulted"] += 1
                            fault = rule
                        break
            if fault is not None and fault.get("hang"):
                print("hang", flush=True)
                self.rfile.read(1)  # returns when the client closes the connection
                self.close_connection = True
                return
            if fault is not None:
                xml = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault["code"]}</Code>'
                       f'<Message>injected by the test proxy</Message><RequestId>proxy</RequestId></Error>').encode()
                return self.answer(fault["status"], {"Content-Type": "application/xml"}, xml)
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            passed = {k: v for k, v in response.getheaders() if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            if self.command == "HEAD":
                passed["Content-Length"] = response.getheader("content-length", "0")
            self.answer(response.status, passed, data)
            upstream.close()

        def answer(self, status, headers, data):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    wait_for_stdin_then_exit()


if __name__ == "__main__":
    if sys.argv[1] == "moto":
        run_moto()
    elif sys.argv[1] == "proxy":
        run_proxy(int(sys.argv[2]), json.loads(sys.argv[3]))
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
