"""Run the web app with uvicorn (``forcemap serve`` and ``python -m forcemap.web.serve``).

Security defaults: the server binds to 127.0.0.1; binding to any other address requires a
token (``FORCEMAP_TOKEN``), which every request must then carry; the store is opened
read-only.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path

from forcemap.errors import InputError

__all__ = ["is_loopback", "main", "serve"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    store_path: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    export_dir: str | os.PathLike[str] | None = None,
    home_country: str | None = None,
    log_level: str = "info",
) -> None:
    """Serve the store's web app until interrupted.

    Parameters
    ----------
    store_path : str or PathLike
        An existing store (opened read-only).
    host : str, default "127.0.0.1"
        Bind address; anything but a loopback address requires ``token``.
    port : int, default 8000
        TCP port.
    token : str, optional
        Bearer token every request must carry (``Authorization: Bearer`` or ``?token=``).
    export_dir : str or PathLike, optional
        The only directory endpoints may write exports to.
    home_country : str, optional
        Default home country of the decision pages (ISO alpha-2); default: the
        ``FORCEMAP_COUNTRY`` environment variable, else ``CN``.
    log_level : str, default "info"
        uvicorn's log level.

    Raises
    ------
    InputError
        ``host`` is not loopback and no token is given, the port is out of range, or the
        home country is not an ISO alpha-2 code.
    NotFoundError
        The store does not exist.
    """
    if not is_loopback(host) and not token:
        raise InputError(
            f"binding to {host} exposes the store beyond this machine: set FORCEMAP_TOKEN "
            "to a secret every request must carry, or bind to 127.0.0.1"
        )
    if not 0 < port < 65536:
        raise InputError(f"port must be in 1..65535, got {port}")
    import uvicorn

    from forcemap.web.app import create_app

    country = home_country or os.environ.get("FORCEMAP_COUNTRY") or "CN"
    app = create_app(Path(store_path), token=token, export_dir=export_dir, home_country=country)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


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
    args = ap.parse_args(argv)
    serve(
        args.store,
        host=args.host,
        port=args.port,
        token=os.environ.get("FORCEMAP_TOKEN") or None,
        home_country=args.country,
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
