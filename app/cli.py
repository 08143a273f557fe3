"""The `backprop-viz` command: serve the app, with settings from BACKPROP_VIZ_ variables or
these options."""

import argparse
import dataclasses
import os

from app.server import run
from app.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="backprop-viz", description="Serve backprop-viz.")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args()
    # Each serving process builds the app from the environment (app.server.served_app).
    os.environ["BACKPROP_VIZ_HOST"], os.environ["BACKPROP_VIZ_PORT"] = args.host, str(args.port)
    run(dataclasses.replace(settings, host=args.host, port=args.port))


if __name__ == "__main__":
    main()
