"""The `backprop-viz` command: serve the app."""

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(prog="backprop-viz", description="Serve backprop-viz.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run("app.main:app", host=args.host, port=args.port)


if __name__ == "__main__":
    main()
