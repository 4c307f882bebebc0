"""The load test's server: `make run`'s local stack (crmlocal.stack.LocalStack: the emulator in its own process,
the API, the queue workers and the schedules), with two differences a load test needs:

- the API sees each connection's own loopback address as the visitor's IP (API Gateway's identity.sourceIp),
  where `chalice local` gives every request 127.0.0.1: the driver's visitors connect from addresses of
  127.0.0.0/8, so the per-IP sign-up limit holds off one address and not the others;
- a listen backlog of 256 (http.server's default is 5: a burst of new connections would be refused by the
  kernel before the app sees them, which is the test harness failing, not the app).

    python -m tests.load.server --ready FILE --sends N

Writes FILE (JSON: port, api key, N sent campaign emails with their open/click paths and SES message ids)
once it answers, then serves until SIGINT/SIGTERM. The environment (ports, data dir, trusted SNS
certificate) comes from the driver.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKLOG = 256  # pending connections the kernel keeps (http.server listens with 5)


def make_stack():
    from crmlocal.stack import LocalStack

    class LoadStack(LocalStack):
        def _serve_api(self) -> None:
            from chalice.config import Config
            from chalice.local import ChaliceRequestHandler, create_local_server

            class Handler(ChaliceRequestHandler):
                def _generic_handle(self) -> None:
                    self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]  # the visitor
                    super()._generic_handle()

                # the base class binds these to its own _generic_handle
                do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _generic_handle

                def log_message(self, format, *args):  # the driver counts every answer itself
                    pass

            config = Config.create(chalice_stage="local", app_name="talent-crm", project_dir=str(self.root))
            app = self.app_module.app
            self.server = create_local_server(app, config, "127.0.0.1", self.settings.port)
            self.server.server.RequestHandlerClass = lambda *a, **k: Handler(*a, app_object=app, config=config, **k)
            self.server.server.socket.listen(BACKLOG)
            self._spawn(self.server.server.serve_forever, "api")

    return LoadStack(ROOT, quiet=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load.server")
    parser.add_argument("--ready", required=True, help="write the JSON of what was seeded here once serving")
    parser.add_argument("--sends", type=int, default=2000, help="sent campaign emails to open, click and report")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    stack = make_stack().start()
    from tests.bench.tracking import sends

    seeded = sends(args.sends)  # people with one sent campaign email each (the tracking benchmark's)
    ready = {"port": stack.settings.port, "api_key": stack.settings.api_key,
             "sends": [{"email": s["person"]["email"], "message_id": s["message_id"], "open": s["open"],
                        "click": s["click"]} for s in seeded]}
    Path(args.ready + ".tmp").write_text(json.dumps(ready), encoding="utf-8")
    Path(args.ready + ".tmp").rename(args.ready)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
