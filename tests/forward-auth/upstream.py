"""The app behind the proxy in the forward-auth test: answers every request with what
reached it (method, path and every header, in order, repeats included) as JSON, and
counts the requests it served, so that a test can tell that a refused one never arrived.

    python3 upstream.py PORT
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

served = 0


class Echo(BaseHTTPRequestHandler):
    def answer(self):
        global served
        if self.path == "/_served":
            body = json.dumps({"served": served}).encode()
        else:
            served += 1
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            body = json.dumps(
                {"method": self.command, "path": self.path, "headers": [[k.lower(), v] for k, v in self.headers.items()]}
            ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
