"""A real SMTP listener for accountd's tests (aiosmtpd): every message it
accepts is written whole to its own file in --dir, atomically."""

import argparse
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        name = os.path.join(self.directory, f"{time.time_ns()}-{number}.eml")
        with open(name + ".partial", "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.rename(name + ".partial", name)
        return "250 OK"


def authenticator_for(expected):
    """Accepts exactly one user:password (AUTH PLAIN or LOGIN)."""
    user, _, password = expected.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok)

    return authenticate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth", help="require AUTH as user:password")
    args = parser.parse_args()
    options = {}
    if args.auth:
        # Only on loopback in tests: real relays must be reached over TLS (smtps or STARTTLS).
        options = {"authenticator": authenticator_for(args.auth), "auth_required": True, "auth_require_tls": False}
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port, **options)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
