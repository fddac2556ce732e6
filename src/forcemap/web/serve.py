"""Run the web app with uvicorn (``forcemap serve`` and ``python -m forcemap.web.serve``).

Security defaults: the server binds to 127.0.0.1; binding to any other address requires a
token (``FORCEMAP_TOKEN``), which every request must then carry; ``certfile``/``keyfile``
serve HTTPS (advised beyond loopback: the token then never crosses the network in clear);
the store is opened read-only; ``token=…`` is redacted from the access log.

The socket is bound before anything is announced: ``on_ready`` (the CLI's "serving at …"
line) runs only once the address is known to be usable.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import signal
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from forcemap.errors import InputError

if TYPE_CHECKING:
    from forcemap.store import Store

__all__ = ["TokenRedactingFilter", "bind_socket", "check_tls", "is_loopback", "main", "serve"]

#: ``token=…`` in a query string (also ``access_token=``), up to the next ``&``, ``#`` or space.
_TOKEN_PARAM = re.compile(r"(?i)([?&](?:access_)?token=)[^&#\s\"]*")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class TokenRedactingFilter(logging.Filter):
    """A logging filter that replaces the value of ``token=`` query parameters by
    ``[redacted]`` in a record's message and arguments (uvicorn's access log passes the
    request path with its query string as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _TOKEN_PARAM.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_PARAM.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def check_tls(
    certfile: str | os.PathLike[str] | None, keyfile: str | os.PathLike[str] | None
) -> bool:
    """Check the HTTPS settings: both files or neither, readable, a certificate chain and
    its private key (PEM) that belong together. Returns True when HTTPS is on.

    Raises
    ------
    InputError
        Only one of the two is given, a file is missing or unreadable, or they do not load.
    """
    if (certfile is None) != (keyfile is None):
        raise InputError(
            "give --certfile and --keyfile together (the certificate chain and its private "
            "key, PEM) to serve HTTPS, or neither"
        )
    if certfile is None or keyfile is None:
        return False
    for what, p in (("certificate", certfile), ("key", keyfile)):
        path = Path(p)
        if not path.is_file() or not os.access(path, os.R_OK):
            raise InputError(f"the {what} file {path} does not exist or is not readable")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as e:
        raise InputError(
            f"cannot load the certificate {certfile} with the key {keyfile}: {e} (both must be "
            "PEM, the key unencrypted and matching the certificate)"
        ) from e
    return True


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0: any free port), ready for uvicorn.

    Raises
    ------
    InputError
        The host does not resolve, or the address cannot be bound (in use, not local,
        privileged port).
    """
    try:
        infos = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as e:
        raise InputError(f"cannot resolve the bind address {host!r}: {e.strerror}") from e
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as e:
        sock.close()
        raise InputError(
            f"cannot listen on {host}:{port}: {e.strerror} (another server on that port? "
            "choose another with --port)"
        ) from e
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int, https: bool) -> str:
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"{'https' if https else 'http'}://{shown}:{port}/"


def serve(
    store_path: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    export_dir: str | os.PathLike[str] | None = None,
    home_country: str | None = None,
    log_level: str = "info",
    certfile: str | os.PathLike[str] | None = None,
    keyfile: str | os.PathLike[str] | None = None,
    watch_interval: float | None = 2.0,
    on_ready: Callable[[str], None] | None = None,
    store: Store | None = None,
) -> None:
    """Serve the store's web app until interrupted.

    Parameters
    ----------
    store_path : str or PathLike
        An existing store (opened read-only).
    host : str, default "127.0.0.1"
        Bind address; anything but a loopback address requires ``token``.
    port : int, default 8000
        TCP port; 0 picks a free one (``on_ready`` receives the URL).
    token : str, optional
        Bearer token every request must carry (``Authorization: Bearer``, or ``?token=``
        once, which sets a cookie).
    export_dir : str or PathLike, optional
        The only directory endpoints may write exports to.
    home_country : str, optional
        Default home country of the decision pages (ISO alpha-2); default: the
        ``FORCEMAP_COUNTRY`` environment variable, else ``CN``.
    log_level : str, default "info"
        uvicorn's log level.
    certfile, keyfile : str or PathLike, optional
        Serve HTTPS with this certificate chain and private key (PEM; both or neither).
    watch_interval : float or None, default 2.0
        Seconds between checks of the store file: a replaced file (``forcemap swap``, ``mv``)
        is reopened without a restart, cached results dropped. SIGHUP checks at once. None:
        only on SIGHUP.
    on_ready : callable, optional
        Called with the server's URL once the socket is bound and the settings are checked,
        before the app starts.

    Raises
    ------
    InputError
        ``host`` is not loopback and no token is given, the port is out of range or cannot
        be bound, the TLS files are incomplete or do not load, or the home country is not an
        ISO alpha-2 code.
    NotFoundError
        The store does not exist.
    """
    if not is_loopback(host) and not token:
        raise InputError(
            f"binding to {host} exposes the store beyond this machine: set FORCEMAP_TOKEN "
            "to a secret every request must carry, or bind to 127.0.0.1"
        )
    if not 0 <= port < 65536:
        raise InputError(f"port must be in 0..65535 (0: any free port), got {port}")
    https = check_tls(certfile, keyfile)
    import uvicorn

    from forcemap.web.app import create_app

    country = home_country or os.environ.get("FORCEMAP_COUNTRY") or "CN"
    app = create_app(
        Path(store_path),
        token=token,
        export_dir=export_dir,
        home_country=country,
        watch_interval=watch_interval,
        store=store,
    )
    sock = bind_socket(host, port)
    try:
        config = uvicorn.Config(
            app,
            host=host,
            port=sock.getsockname()[1],
            log_level=log_level,
            ssl_certfile=os.fspath(certfile) if certfile else None,
            ssl_keyfile=os.fspath(keyfile) if keyfile else None,
        )
        # uvicorn configured its loggers in Config(): filter the access log from now on
        access = logging.getLogger("uvicorn.access")
        if not any(isinstance(f, TokenRedactingFilter) for f in access.filters):
            access.addFilter(TokenRedactingFilter())
        # the app's own messages (a replaced store reopened) go where uvicorn's go
        web_log = logging.getLogger("forcemap.web")
        if not web_log.handlers:
            for handler in logging.getLogger("uvicorn").handlers:
                web_log.addHandler(handler)
            web_log.setLevel(logging.INFO)
        if hasattr(signal, "SIGHUP"):
            state = app.state.forcemap
            signal.signal(signal.SIGHUP, lambda _signum, _frame: state.wake())
        if on_ready is not None:
            on_ready(_url(host, sock.getsockname()[1], https))
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m forcemap.web.serve --store S [--host H] [--port P]`` (token from env)."""
    ap = argparse.ArgumentParser(prog="python -m forcemap.web.serve", description=main.__doc__)
    ap.add_argument("--store", required=True, help="the store file (opened read-only)")
    ap.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    ap.add_argument(
        "--country", default=None, help="home country (default: $FORCEMAP_COUNTRY, else CN)"
    )
    ap.add_argument("--log-level", default="warning", help="uvicorn log level")
    ap.add_argument("--certfile", default=None, help="TLS certificate chain (PEM) for HTTPS")
    ap.add_argument("--keyfile", default=None, help="TLS private key (PEM) for HTTPS")
    args = ap.parse_args(argv)
    serve(
        args.store,
        host=args.host,
        port=args.port,
        token=os.environ.get("FORCEMAP_TOKEN") or None,
        home_country=args.country,
        log_level=args.log_level,
        certfile=args.certfile,
        keyfile=args.keyfile,
    )


if __name__ == "__main__":
    main()
