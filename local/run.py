"""Command line for the local stack.

    python -m local.run [--port 8000] [--host 127.0.0.1] [--moto-port 0] [--data-dir data]
                        [--fresh] [--https] [--no-seed]
    python -m local.run job NAME [--data-dir data]      # run a scheduled job now

Exit codes: 0 after a clean stop; 2 when the stack cannot start (busy port, unreadable data) or a
job cannot reach it; 1 when a job fails.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from local.net import StartupError


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "job":
        return run_job(args[1:])
    return serve(args)


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.run",
        description="Run DermaFollow locally: SPA, REST API, WebSocket and AWS emulation on one port.",
        epilog="Run a scheduled job now: python -m local.run job NAME",
    )
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (0: any free port); default 8000")
    parser.add_argument("--host", default=None,
                        help="address to listen on; default 127.0.0.1, or 0.0.0.0 with --https (phones on the LAN)")
    parser.add_argument("--moto-port", type=int, default=0, help="port of the local AWS (moto); default: any free")
    parser.add_argument("--data-dir", default="data", help="folder for saved data and certificates; default ./data")
    parser.add_argument("--fresh", action="store_true", help="set saved data aside and start empty")
    parser.add_argument("--https", action="store_true",
                        help="serve TLS with a self-signed certificate (phone cameras need a secure page)")
    parser.add_argument("--no-seed", action="store_true", help="do not create demo accounts and cases")
    args = parser.parse_args(argv)
    _configure_logging()

    from local.cohort import COHORT_PATIENTS
    from local.stack import LocalStack  # heavy imports after argument errors are out of the way

    stop = threading.Event()
    signals_seen = 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen > 1:
            print("\nQuitting without saving.", file=sys.stderr, flush=True)
            os._exit(130)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    stack = LocalStack(
        host=args.host or ("0.0.0.0" if args.https else "127.0.0.1"),
        port=args.port,
        moto_port=args.moto_port,
        data_dir=Path(args.data_dir),
        fresh=args.fresh,
        https=args.https,
        seed=not args.no_seed,
        # The synthetic clinic behind the analytics screens (loaded in the background on a first start).
        cohort=0 if args.no_seed else COHORT_PATIENTS,
    )
    try:
        stack.start()
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(stack.banner(), flush=True)
    while not stop.wait(1.0):
        pass
    print("\nStopping: saving data (Ctrl-C again to quit without saving)...", file=sys.stderr, flush=True)
    stack.stop()
    print("Stopped.", file=sys.stderr, flush=True)
    return 0


def run_job(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.run job", description="Run a scheduled job now.")
    parser.add_argument("name", nargs="?", help="the job (the @app.schedule function name); omit to list them")
    parser.add_argument("--data-dir", default="data", help="data folder of the running stack; default ./data")
    # Accepted and ignored, so `make job NAME=x ARGS=...` can reuse the ARGS given to `make run`.
    for option in ("--port", "--host", "--moto-port"):
        parser.add_argument(option, help=argparse.SUPPRESS)
    for flag in ("--fresh", "--https", "--no-seed"):
        parser.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    runtime = Path(args.data_dir) / "stack.json"
    try:
        control_url = str(json.loads(runtime.read_text())["controlUrl"])
    except (OSError, ValueError, KeyError):
        print(f"error: no local stack is running with data folder {args.data_dir} (start one: make run)",
              file=sys.stderr)
        return 2
    url = f"{control_url}/_local/jobs" + (f"/{args.name}" if args.name else "")
    request = urllib.request.Request(url, method="POST" if args.name else "GET", data=b"" if args.name else None)
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        answer = json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        print(f"error: the local stack at {control_url} does not answer ({exc})", file=sys.stderr)
        return 2
    if not args.name:
        if not answer.get("jobs"):
            print("the app has no scheduled jobs")
        for job in answer.get("jobs", []):
            print(f"{job['name']:<30} {job['schedule']}" + (f"  ({job['problem']})" if job.get("problem") else ""))
        return 0
    status = answer.get("status")
    if status == "ok":
        print(f"job {args.name}: ok in {answer.get('ms')} ms")
        return 0
    if status == "unknown":
        print(f"job {args.name}: unknown; known jobs: {', '.join(answer.get('known', [])) or 'none'}", file=sys.stderr)
    else:
        print(f"job {args.name}: failed ({answer.get('error', 'error')}); see the stack's log", file=sys.stderr)
    return 1


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    logger = logging.getLogger("local")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
