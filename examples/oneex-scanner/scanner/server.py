"""The Scanner's HTTP service, on the standard library alone (no runtime dependency to install)."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scanner.mrz import MrzError, parse

MAX_BODY_BYTES = 4096
log = logging.getLogger("scanner")


class Handler(BaseHTTPRequestHandler):
    server_version = "oneex-scanner"

    def _send(self, status: HTTPStatus, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path == "/health":
            self._send(HTTPStatus.OK, {"status": "ok"})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/api/mrz/parse":
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"over {MAX_BODY_BYTES} bytes"})
            return
        text = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            document = parse(text)
        except MrzError as error:
            self._send(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(error)})
            return
        self._send(HTTPStatus.OK, document.to_dict())

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        log.info("%s %s", self.address_string(), format % args)


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), Handler)
