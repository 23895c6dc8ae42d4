"""The review workbench's browser test, end to end: a data directory filled
by the demo patrol (demo/run.sh over loopback demo sources) plus 100
low-scoring posts imported so the queue runs past its first page of 100, a
patroller, a supervisor and an admin added through the CLI, a jsonl source
over those posts (for "run now"), `junkai serve` on a free loopback port
serving web/, then tests/ui/ui_test.mjs (playwright-core driving Debian's
chromium) works through the screens. junkai.yaml names two report
destinations, one an http_form on a loopback form server (refusing the
first request, taking the next) that the browser test queues a report for
and runs `junkai report send-due` against. Afterwards the form server's
requests and the audit chain the browser session wrote are checked.

usage: ui_test.py JUNKAI NODE UI_TEST_MJS
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
import serverlib  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "tests", "report"))
from reportlib import FormServer  # noqa: E402

PATROLLER = ("pat", "patrol-pass-1")
SUPERVISOR = ("sup", "super-pass-1")
ADMIN = ("adm", "admin-pass-1")
EXTRA = 100  # posts beyond the demo's, all scoring below its own
DESTINATIONS = """
destinations:
  - name: ihc-form
    type: http_form
    kinds: [ihc]
    url: http://127.0.0.1:%d/submit
    allow_private: true
    fields:
      url: "{{field.URL}}"
      body: "{{report.body}}"
  - name: police-api
    type: http_json
    kinds: [police, deletion]
    url: https://police-api.invalid/reports
"""


def main():
    bin_path, node, script = (os.path.abspath(a) for a in sys.argv[1:4])
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        env = dict(os.environ, JUNKAI=bin_path)
        env.pop("JUNKAI_DATA", None)
        demo = subprocess.run(["sh", os.path.join(ROOT, "demo", "run.sh"), data], cwd=tmp, env=env,
                              capture_output=True, timeout=120)
        if demo.returncode != 0:
            raise AssertionError("demo/run.sh failed: %s" % demo.stderr.decode())
        for (name, pw), role in ((PATROLLER, "patroller"), (SUPERVISOR, "supervisor"),
                                 (ADMIN, "admin")):
            serverlib.run(bin_path, ["user", "add", name, "--role", role, "--data", data],
                          stdin=(pw + "\n").encode())
        # a queue longer than one page: posts that hit one weak rule
        # (crime_recruitment.hashtag.job, 0.495), imported, and the same file
        # as a jsonl source the admin runs now (everything already stored)
        extra = os.path.join(tmp, "extra.jsonl")
        with open(extra, "w", encoding="utf-8") as f:
            for n in range(EXTRA):
                f.write(json.dumps({"id": "extra-%03d" % n, "platform": "board",
                                    "url": "https://board.example/t/%d" % n,
                                    "text": "ホワイト案件 高収入 DMください 募集その%d" % n},
                                   ensure_ascii=False) + "\n")
        serverlib.run(bin_path, ["import", "--data", data, extra])
        serverlib.run(bin_path, ["source", "add", "jsonl", "extra-posts", extra, "--data", data])
        # where approved reports go: a form on loopback (422 first, then
        # 200) and an endpoint that takes no IHC report (never contacted)
        form = FormServer()
        form.plan = [422]
        with open(os.path.join(data, "junkai.yaml"), "a", encoding="utf-8") as f:
            f.write(DESTINATIONS % form.port)
        server = serverlib.Server(bin_path, data, ["--web", os.path.join(ROOT, "web")])
        try:
            r = subprocess.run([node, script], cwd=os.path.dirname(script), timeout=120, env=dict(
                os.environ, JK_URL="http://127.0.0.1:%d/" % server.port,
                JK_BIN=bin_path, JK_DATA=data,
                JK_PATROLLER="%s:%s" % PATROLLER, JK_SUPERVISOR="%s:%s" % SUPERVISOR,
                JK_ADMIN="%s:%s" % ADMIN, JK_EXTRA=str(EXTRA),
                JK_SCREENSHOT=os.path.join(os.path.dirname(script), "ui_test_failure.png")))
        finally:
            rc = server.stop()
            form.stop()
        if r.returncode != 0:
            raise AssertionError("the browser test failed (screenshot: ui_test_failure.png beside it)")
        # the form got the report twice (refused, then taken), with one key
        if form.count() != 2:
            raise AssertionError("the form server got %d requests, not 2" % form.count())
        keys = {req["headers"].get("idempotency-key") for req in form.requests}
        if len(keys) != 1 or not all(req["form"].get("body") for req in form.requests):
            raise AssertionError("the form's requests: %r" % form.requests)
        if rc != 0:
            raise AssertionError("junkai serve did not stop cleanly: %d" % rc)
        # the browser's decisions were audited in a chain that still verifies
        v = serverlib.run(bin_path, ["verify", "--audit", "--data", data], check=False)
        if v.returncode != 0:
            raise AssertionError("audit chain: %s %s" % (v.stdout.decode(), v.stderr.decode()))
    print("ui_test: ok")


if __name__ == "__main__":
    main()
