"""A test-only HTTP proxy in front of a real modelvault server that flips one byte in the
middle of every PUT body, so that the server stores (and reports the SHA-256 of) other bytes
than the client sent. Used by cli_test.sh to check that push refuses such an upload.

usage: corrupting_proxy.py UPSTREAM_PORT PORT_FILE
Listens on 127.0.0.1 on a free port, writes it to PORT_FILE, serves until killed. Bodies are
held in memory: give it small files only.
"""
import http.client
import http.server
import os
import sys

UPSTREAM_PORT = int(sys.argv[1])
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the CLI expects

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "PUT" and body:
            middle = len(body) // 2
            body = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1:]
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM_PORT, timeout=60)
        upstream.request(self.command, self.path, body=body, headers=headers)
        res = upstream.getresponse()
        data = res.read()
        self.send_response(res.status)
        for k, v in res.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = forward

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
