"""The planning page's web application and how it is started.

Dash (on Flask) serves the page, its scripts (from the installed package: no
network needed) and the callbacks; rfsim adds one route of its own, the
figure of an answer as a PNG (:data:`rfsim.app.callbacks.FIGURE_ROUTE`).
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import threading

import dash

from rfsim.app.callbacks import register
from rfsim.app.layout import page
from rfsim.version import __version__

LOOPBACK = "127.0.0.1"


def create_app() -> dash.Dash:
    """The Dash application of the planning page (not yet serving)."""
    app = dash.Dash(__name__, title=f"rfsim {__version__} planning", update_title="rfsim: computing...",
                    serve_locally=True)
    app.layout = page
    register(app)
    return app


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = LOOPBACK, port: int = 8050, announce=print) -> None:
    """Serve the planning page until interrupted.

    Parameters
    ----------
    host : str
        Address to bind; the default is loopback: only this machine can reach
        the page.
    port : int
    announce : callable
        Receives the lines that say where the page is.
    """
    url = f"http://{host}:{port}/"
    announce(f"rfsim {__version__} planning page: {url}")
    if is_loopback(host):
        announce(f"bound to {host} (loopback): reachable from this machine only. Ctrl-C stops it.")
    else:
        announce(f"WARNING: bound to {host}: other machines on the network can reach this page; it has no "
                 "login. Ctrl-C stops it.")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = create_app()
    if threading.current_thread() is threading.main_thread():
        # a plain SIGTERM would skip the exit handlers that end a running 3-D process
        signal.signal(signal.SIGTERM, _interrupt)
    app.run(host=host, port=port, debug=False)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
