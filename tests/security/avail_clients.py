#!/usr/bin/env python3
"""Hostile and pipelining HTTP clients for the availability tests (tests/security/avail_*.sh).

usage: avail_clients.py PORT COMMAND [args]
  hold IDLE SLOW SECONDS   open IDLE silent connections and SLOW that trickle a request head
                           one byte per second; while they are open, time GET /healthz and
                           GET version URL (env MV_PROBE_PATH) every 0.5 s; print the worst
                           latency in ms and how many probes failed
  pipeline                 send GET-with-body + GET on one socket; print both status lines
  slowbody SECONDS         start an upload and send 1 byte per second; print how long until cut
  count N                  open N connections at once; print how many got a 503 / were served
"""
import os
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
TOKEN = os.environ.get("MODELVAULT_TOKEN", "")
AUTH = ("Authorization: Bearer %s\r\n" % TOKEN) if TOKEN else ""


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s):
    """Reads one response (Content-Length framed); returns (status line, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("connection closed: %r" % buf[:200])
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("body cut")
        rest += chunk
    return lines[0], rest[:length], rest[length:]


def probe(path):
    start = time.monotonic()
    s = connect()
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % (path, AUTH)).encode())
        status, _, _ = read_response(s)
        if " 200 " not in status + " ":
            raise RuntimeError(status)
    finally:
        s.close()
    return (time.monotonic() - start) * 1000


def hold(idle, slow, seconds):
    socks = [connect() for _ in range(idle)]
    slow_socks = [connect() for _ in range(slow)]
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200 + b"\r\n\r\n"
    stop = time.monotonic() + seconds
    cut = [0]

    def trickle(s):
        for b in head:
            if time.monotonic() > stop:
                return
            try:
                s.sendall(bytes([b]))
            except OSError:
                cut[0] += 1
                return
            time.sleep(1)

    threads = [threading.Thread(target=trickle, args=(s,), daemon=True) for s in slow_socks]
    for t in threads:
        t.start()
    worst, failed, n = 0.0, 0, 0
    path = os.environ.get("MV_PROBE_PATH", "/healthz")
    while time.monotonic() < stop:
        for p in ("/healthz", path):
            try:
                worst = max(worst, probe(p))
            except Exception as e:  # noqa: BLE001 - any failure counts
                print("probe failed: %s" % e, file=sys.stderr)
                failed += 1
            n += 1
        time.sleep(0.5)
    for t in threads:
        t.join(timeout=2)
    print("worst_ms=%d failed=%d probes=%d slow_cut=%d" % (worst, failed, n, cut[0]))
    for s in socks + slow_socks:
        s.close()


def pipeline():
    s = connect()
    body = b'{"this is": "a body a GET should not have"}'
    req1 = ("GET /healthz HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n" % (AUTH, len(body))).encode() + body
    req2 = ("GET /healthz HTTP/1.1\r\nHost: x\r\n%s\r\n" % AUTH).encode()
    s.sendall(req1 + req2)
    first, _, rest = read_response(s)
    print(first)
    try:
        if rest:  # the second answer may have come in the same read
            s2 = rest
            while b"\r\n\r\n" not in s2:
                s2 += s.recv(65536)
            print(s2.split(b"\r\n")[0].decode())
        else:
            second, _, _ = read_response(s)
            print(second)
    except EOFError:
        print("closed")


def slowbody(seconds):
    s = connect()
    s.sendall(("PUT /api/v1/models/slow/versions/draft HTTP/1.1\r\nHost: x\r\n%s"
               "Content-Length: 1000000\r\n\r\n" % AUTH).encode())
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            s.sendall(b"x")
        except OSError:
            break
        time.sleep(1)
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                break
        except BlockingIOError:
            pass
        except OSError:
            break
        s.setblocking(True)
    print("cut_after_s=%d" % (time.monotonic() - start))


def count(n):
    # Kept-alive requests: a served connection stays open until the end, so the server's count
    # of open connections cannot drop (and admit a later one) while the others are asked.
    socks = [connect() for _ in range(n)]
    rejected = served = 0
    for s in socks:
        try:
            s.sendall(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").encode())
            status, _, _ = read_response(s)
            if " 503 " in status:
                rejected += 1
            elif " 200 " in status:
                served += 1
        except (OSError, EOFError):
            rejected += 1
    print("served=%d rejected=%d" % (served, rejected))


if __name__ == "__main__":
    cmd = sys.argv[2]
    if cmd == "hold":
        hold(int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "pipeline":
        pipeline()
    elif cmd == "slowbody":
        slowbody(float(sys.argv[3]))
    elif cmd == "count":
        count(int(sys.argv[3]))
