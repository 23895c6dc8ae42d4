#!/usr/bin/python3
"""An SMTP sink on 127.0.0.1 for the tests (aiosmtpd, Debian's
python3-aiosmtpd; run it with /usr/bin/python3). Every message accepted is
written to DIR as N.eml (the bytes as received) and N.json (the envelope:
mail_from, rcpt_tos, and the login when there was one). With --auth
USER:PASS the server offers AUTH PLAIN/LOGIN over the plain connection and
accepts only that pair. Prints "ready PORT" once it listens; stops on
SIGTERM.

usage: smtp_sink.py PORT DIR [--auth USER:PASS]
"""
import json
import os
import signal
import sys
import threading
import warnings

warnings.simplefilter("ignore")  # AUTH without TLS is what this loopback sink is for

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
except ImportError:
    sys.exit("smtp_sink: python3-aiosmtpd is missing (apt-get install python3-aiosmtpd)")


class Sink:
    def __init__(self, directory):
        self.dir = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        with open(os.path.join(self.dir, "%d.eml" % n), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        login = getattr(session.auth_data, "login", None)
        login = login.decode() if isinstance(login, bytes) else login
        with open(os.path.join(self.dir, "%d.json.tmp" % n), "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": login}, f)
        os.rename(os.path.join(self.dir, "%d.json.tmp" % n), os.path.join(self.dir, "%d.json" % n))
        return "250 OK queued as sink-%d" % n


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    auth = None
    if len(sys.argv) > 4 and sys.argv[3] == "--auth":
        user, _, password = sys.argv[4].partition(":")
        auth = (user.encode(), password.encode())
    kwargs = {}
    if auth:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login, auth_data.password) == auth
            return AuthResult(success=ok, handled=False, auth_data=auth_data)
        kwargs = {"authenticator": authenticator, "auth_require_tls": False,
                  "auth_required": True}
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    print("ready %d" % port, flush=True)
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
