"""The web app served for real on 127.0.0.1 (a uvicorn thread), for API and browser tests."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from newsarchive.web.app import create_app


@contextmanager
def serving(archive: Path, app=None, **options):
    """Yields the base URL of ``app`` (default: ``create_app(archive, **options)``) served on
    a free loopback port."""
    config = uvicorn.Config(app or create_app(archive, **options), host="127.0.0.1", port=0,
                            log_level="warning",
                            access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
