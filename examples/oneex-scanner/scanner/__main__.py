"""Runs the Scanner: `python -m scanner` listens on HOST:PORT (0.0.0.0:8000 by default)."""

import logging
import os
import signal
import threading

from scanner.server import make_server


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = make_server(os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8000")))
    # Kubernetes stops a pod with SIGTERM: finish the current request, then exit.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    logging.info("oneex-scanner listening on %s:%s", *server.server_address[:2])
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
