#!/usr/bin/env python3
"""Cases and reports over real HTTP against a running `junkai serve`:
confirmed items filed into cases (a new case, the open case linked by a
shared indicator, a chosen case, never two cases), the case view, the
status flow, notes and assignment, the four report kinds drafted from the
shipped templates and from an admin's edited copy (a broken one named by
file:line:column), downloads as text, CSV and PDF (read back with
pdftotext), drafts superseded but sent reports kept, approval and sending
by a supervisor only, the evidence package checked with `sha256sum -c`
and with `junkai verify --package`, and every write in the audit chain.

usage: cases_test.py JUNKAI_BINARY
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import Client, DataDir, Server, ServeTest, run  # noqa: E402

BIN = None
PW = {"adm": "admin-password-1", "sup": "super-password-22", "pat": "patrol-password-333"}

ORG = """organization:
  name: "テスト県警察本部 サイバー犯罪対策課"
  department: "サイバーパトロール班"
  contact_name: "巡回 太郎"
  email: "patrol@example.jp"
  phone: "03-0000-0000"
  address: "東京都千代田区"
"""

# Posts on three sites that hit drug_ad; the first two share a Telegram
# handle. One set for filing, one for reports (each test its own items).
EXTRA = []
for prefix, handle in (("file", "@leaf_file_a"), ("case", "@leaf_case_a")):
    EXTRA += [
        {"id": prefix + "-a1", "platform": "web", "url": "https://bbs-a.example.jp/%s/1" % prefix,
         "text": "野菜あります 都内手押し即日 テレグラム " + handle},
        {"id": prefix + "-b1", "platform": "web", "url": "https://bbs-b.example.jp/%s/9" % prefix,
         "text": "ﾔｻｲ あります、都内手押し即日 連絡はテレグラム %s まで" % handle},
        {"id": prefix + "-c1", "platform": "web", "url": "https://bbs-c.example.jp/%s/3" % prefix,
         "text": "=HYPERLINK(\"http://x\") 野菜あります 都内手押し即日 " + prefix},
    ]


class Cases(ServeTest):
    PW = PW

    @classmethod
    def setUpClass(cls):
        cls.data = DataDir(BIN)
        for name, role in (("adm", "admin"), ("sup", "supervisor"), ("pat", "patroller")):
            cls.data.user(name, role, PW[name])
        with open(os.path.join(cls.data.path, "junkai.yaml"), "a", encoding="utf-8") as f:
            f.write(ORG)
        extra = os.path.join(cls.data.tmp.name, "extra.jsonl")
        with open(extra, "w", encoding="utf-8") as f:
            for post in EXTRA:
                f.write(json.dumps(post, ensure_ascii=False) + "\n")
        run(BIN, ["import", "--data", cls.data.path, extra])
        cls.server = Server(BIN, cls.data.path)

    def item_id(self, c, external_id):
        for status in ("pending", "confirmed", "dismissed"):
            for it in c.request("GET", "/api/queue?limit=500&status=" + status).json["items"]:
                if it["external_id"] == external_id:
                    return it["id"]
        self.fail("no item " + external_id)

    def audit(self, user):
        return self.client("sup").request("GET", "/api/audit?limit=1000").json["entries"]

    # ---- filing ----

    def test_confirm_files_items_into_cases(self):
        pat = self.client("pat")
        a, b, c = (self.item_id(pat, e) for e in ("file-a1", "file-b1", "file-c1"))
        # the first confirmed item opens a case of its best hit's category
        r = pat.request("POST", "/api/items/%d/decision" % a, {"decision": "confirm"})
        self.assertEqual(r.status, 200, r.raw)
        case = r.json["case"]
        self.assertIsInstance(case, int)
        view = pat.request("GET", "/api/cases/%d" % case).json
        self.assertEqual(view["case"]["category"], "drug_ad")
        self.assertEqual(view["case"]["status"], "confirmed")
        self.assertEqual(view["case"]["created_by"], "pat")
        self.assertIn("bbs-a.example.jp", view["case"]["title"])
        # b shares the Telegram handle with a: the same open case takes it
        self.assertIn(b, [l["item"] for l in view["linked"]])
        self.assertIn("telegram", [l["type"] for l in view["linked"] if l["item"] == b])
        r = pat.request("POST", "/api/items/%d/decision" % b, {"decision": "confirm"})
        self.assertEqual(r.json["case"], case)
        # c shares nothing: a new case, unless the patroller names one
        r = pat.request("POST", "/api/items/%d/decision" % c,
                        {"decision": "confirm", "case": case})
        self.assertEqual(r.json["case"], case)
        view = pat.request("GET", "/api/cases/%d" % case).json
        self.assertEqual([i["id"] for i in view["items"]], [a, b, c])
        self.assertEqual(view["case"]["items"], 3)
        self.assertNotIn(b, [l["item"] for l in view["linked"]])
        # confirming again keeps it where it is; another case is refused
        r = pat.request("POST", "/api/items/%d/decision" % a, {"decision": "confirm"})
        self.assertEqual(r.json["case"], case)
        other = pat.request("POST", "/api/cases", {"title": "別件", "category": "fraud"})
        self.assertEqual(other.status, 201, other.raw)
        oid = other.json["case"]["id"]
        self.assertEqual(other.json["case"]["status"], "new")
        r = pat.request("POST", "/api/items/%d/decision" % a,
                        {"decision": "confirm", "case": oid})
        self.assertEqual(r.status, 409)
        self.assertIn("already in case %d" % case, r.json["error"])
        r = pat.request("POST", "/api/cases/%d/items" % oid, {"items": [a]})
        self.assertEqual(r.status, 409)
        # "new" always opens one; bad choices are 400
        q = [i for i in pat.request("GET", "/api/queue?limit=500&status=pending").json["items"]
             if i["hits"]]
        r = pat.request("POST", "/api/items/%d/decision" % q[0]["id"],
                        {"decision": "confirm", "case": "new"})
        self.assertNotIn(r.json["case"], (None, case, oid))
        for bad in ("old", -1, 0, 1.5):
            r = pat.request("POST", "/api/items/%d/decision" % q[1]["id"],
                            {"decision": "confirm", "case": bad})
            self.assertEqual(r.status, 400, bad)
        # a dismissal files nothing
        r = pat.request("POST", "/api/items/%d/decision" % q[2]["id"], {"decision": "dismiss"})
        self.assertIsNone(r.json["case"])
        # bulk confirm puts the items together
        r = pat.request("POST", "/api/decisions",
                        {"items": [q[3]["id"], q[4]["id"]], "decision": "confirm",
                         "category": "fraud", "case": "new"})
        self.assertEqual(r.status, 200, r.raw)
        bulk = pat.request("GET", "/api/cases/%d" % r.json["case"]).json
        # a case opened with items: one case.open with its title, then the
        # items filed, and nothing else
        r = pat.request("POST", "/api/cases",
                        {"title": "一括", "category": "fraud", "items": [q[5]["id"]]})
        self.assertEqual(r.status, 201, r.raw)
        hist = pat.request("GET", "/api/cases/%d" % r.json["case"]["id"]).json["history"]
        self.assertEqual([h["action"] for h in hist], ["case.open", "case.item_add"])
        self.assertEqual(hist[0]["detail"], {"title": "一括", "category": "fraud"})
        self.assertEqual(sorted(i["id"] for i in bulk["items"]), sorted([q[3]["id"], q[4]["id"]]))
        # the list, newest first, filters
        cases = pat.request("GET", "/api/cases").json["cases"]
        self.assertEqual([x["id"] for x in cases], sorted([x["id"] for x in cases], reverse=True))
        fraud = pat.request("GET", "/api/cases?category=fraud").json["cases"]
        self.assertTrue(fraud and all(x["category"] == "fraud" for x in fraud))
        self.assertEqual(pat.request("GET", "/api/cases?status=open").status, 400)
        self.assertEqual(pat.request("GET", "/api/cases?category=nope").status, 400)
        self.assertEqual(pat.request("GET", "/api/cases/999999").status, 404)
        # take an item out, and the history says who did what
        r = pat.request("DELETE", "/api/cases/%d/items/%d" % (case, c))
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(pat.request("DELETE", "/api/cases/%d/items/%d" % (case, c)).status, 404)
        r = pat.request("POST", "/api/cases/%d/items" % case, {"items": [c]})
        self.assertEqual(r.json["added"], 1)
        actions = [(h["user"], h["action"]) for h in
                   pat.request("GET", "/api/cases/%d" % case).json["history"]]
        self.assertEqual(actions[0], ("pat", "case.open"))
        # one entry opens a case, whether items came with it or not
        self.assertEqual(actions.count(("pat", "case.open")), 1)
        self.assertNotIn(("pat", "case.create"), actions)
        self.assertIn(("pat", "case.item_rm"), actions)
        self.assertEqual(actions.count(("pat", "case.item_add")), 4)

    def test_status_flow_notes_assignment(self):
        pat = self.client("pat")
        r = pat.request("POST", "/api/cases", {"title": "流れ", "category": "threat"})
        cid = r.json["case"]["id"]
        view = pat.request("GET", "/api/cases/%d" % cid).json
        self.assertEqual(sorted(view["transitions"]), ["confirmed", "dismissed"])
        r = pat.request("PATCH", "/api/cases/%d" % cid, {"status": "reported"})
        self.assertEqual(r.status, 409)
        self.assertIn("cannot become reported", r.json["error"])
        r = pat.request("PATCH", "/api/cases/%d" % cid, {"status": "dismissed"})
        self.assertEqual(r.json["case"]["status"], "dismissed")
        r = pat.request("PATCH", "/api/cases/%d" % cid, {"status": "new", "assignee": "pat",
                                                          "title": "流れ（再開）"})
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual((r.json["case"]["status"], r.json["case"]["assignee"],
                          r.json["case"]["title"]), ("new", "pat", "流れ（再開）"))
        self.assertEqual(pat.request("PATCH", "/api/cases/%d" % cid, {}).status, 400)
        self.assertEqual(pat.request("PATCH", "/api/cases/%d" % cid,
                                     {"category": "nope"}).status, 400)
        self.assertEqual(pat.request("PATCH", "/api/cases/%d" % cid, {"title": ""}).status, 400)
        mine = pat.request("GET", "/api/cases?assignee=pat").json["cases"]
        self.assertEqual([x["id"] for x in mine], [cid])
        r = pat.request("POST", "/api/cases/%d/notes" % cid, {"text": "運営者に電話済み"})
        self.assertEqual(r.status, 201)
        self.assertEqual(pat.request("POST", "/api/cases/%d/notes" % cid, {}).status, 400)
        view = pat.request("GET", "/api/cases/%d" % cid).json
        self.assertEqual([(n["user"], n["text"]) for n in view["notes"]],
                         [("pat", "運営者に電話済み")])
        update = [h for h in view["history"] if h["action"] == "case.update"]
        self.assertEqual(update[0]["detail"], {"status": ["new", "dismissed"]})
        # a case with nothing in it has nothing to report
        r = pat.request("POST", "/api/cases/%d/reports" % cid, {"kind": "police"})
        self.assertEqual(r.status, 409, r.raw)

    # ---- reports ----

    def make_case(self, pat):
        ids = [self.item_id(pat, e) for e in ("case-a1", "case-b1", "case-c1")]
        r = pat.request("POST", "/api/cases",
                        {"title": "報告用", "category": "drug_ad", "items": []})
        cid = r.json["case"]["id"]
        for i in ids:
            # out of whatever case an earlier test put it in
            for x in pat.request("GET", "/api/cases?limit=500").json["cases"]:
                pat.request("DELETE", "/api/cases/%d/items/%d" % (x["id"], i))
        r = pat.request("POST", "/api/cases/%d/items" % cid, {"items": ids})
        self.assertEqual(r.status, 200, r.raw)
        return cid, ids

    def download(self, c, rid, fmt):
        r = c.request("GET", "/api/reports/%d/download?format=%s" % (rid, fmt))
        self.assertEqual(r.status, 200, r.raw[:200])
        return r

    def test_reports_each_kind(self):
        pat = self.client("pat")
        cid, ids = self.make_case(pat)
        items = {i["id"]: i for i in pat.request("GET", "/api/cases/%d" % cid).json["items"]}
        drafted = {}
        for kind, count in (("ihc", 1), ("police", 1), ("deletion", 3), ("warning", 3)):
            r = pat.request("POST", "/api/cases/%d/reports" % cid, {"kind": kind})
            self.assertEqual(r.status, 201, r.raw)
            self.assertEqual(len(r.json["reports"]), count, kind)
            drafted[kind] = r.json["reports"]
            for rep in r.json["reports"]:
                self.assertEqual((rep["kind"], rep["status"], rep["case"]), (kind, "draft", cid))
        self.assertEqual(sorted(r["doc_key"] for r in drafted["deletion"]),
                         ["host:bbs-a.example.jp", "host:bbs-b.example.jp",
                          "host:bbs-c.example.jp"])
        self.assertEqual(sorted(r["doc_key"] for r in drafted["warning"]),
                         sorted("item:%d" % i for i in ids))
        self.assertEqual(pat.request("POST", "/api/cases/%d/reports" % cid,
                                     {"kind": "fax"}).status, 400)

        police = drafted["police"][0]
        text = self.download(pat, police["id"], "text")
        self.assertTrue(text.header("Content-Type").startswith("text/plain"))
        self.assertIn('filename="report-%d-police.txt"' % police["id"],
                      text.header("Content-Disposition"))
        body = text.raw.decode()
        self.assertEqual(hashlib.sha256(text.raw).hexdigest(), police["body_sha256"])
        for i in ids:
            self.assertIn(items[i]["url"], body)
        self.assertIn("テスト県警察本部 サイバー犯罪対策課", body)
        self.assertIn("規制薬物・指定薬物の広告・販売", body)
        # the IHC form's fields as CSV: BOM, header, one row per item, the
        # posted formula guarded
        csv = self.download(pat, drafted["ihc"][0]["id"], "csv")
        self.assertTrue(csv.raw.startswith(b"\xef\xbb\xbf"))
        lines = csv.raw[3:].decode().split("\r\n")
        self.assertTrue(lines[0].startswith("番号,URL,"), lines[0])
        rows = [l for l in lines[1:] if l]
        self.assertEqual(len(rows), 3)
        self.assertIn("https://bbs-c.example.jp/case/3", csv.raw.decode())
        self.assertNotIn(",=HYPERLINK", csv.raw.decode())
        # the deletion letter of one host names only that host's post
        dele = [r for r in drafted["deletion"] if r["doc_key"] == "host:bbs-b.example.jp"][0]
        letter = self.download(pat, dele["id"], "text").raw.decode()
        self.assertIn("bbs-b.example.jp 運営者 御中", letter)
        self.assertIn("https://bbs-b.example.jp/case/9", letter)
        self.assertNotIn("https://bbs-a.example.jp/case/1", letter)
        pdf = self.download(pat, dele["id"], "pdf")
        self.assertEqual(pdf.header("Content-Type"), "application/pdf")
        self.assertTrue(pdf.raw.startswith(b"%PDF-"))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf.raw)
            f.flush()
            out = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"],
                                 capture_output=True, check=True).stdout.decode()
        self.assertIn("運営者 御中", out)
        self.assertIn("bbs-b.example.jp/case/9", out.replace(" ", ""))
        self.assertEqual(pat.request("GET", "/api/reports/%d/download?format=doc"
                                     % dele["id"]).status, 400)
        full = pat.request("GET", "/api/reports/%d" % dele["id"]).json["report"]
        self.assertEqual(full["items"], [self.item_id(pat, "case-b1")])
        self.assertEqual(full["body"], letter)

        # drafting again supersedes the unsent draft; the text never changes
        r = pat.request("POST", "/api/cases/%d/reports" % cid, {"kind": "police"})
        again = r.json["reports"][0]
        self.assertNotEqual(again["id"], police["id"])
        old = pat.request("GET", "/api/reports/%d" % police["id"]).json["report"]
        self.assertEqual(old["status"], "superseded")
        self.assertEqual(old["body"], body)

        # approval and sending: supervisors only, in order
        self.assertEqual(pat.request("POST", "/api/reports/%d/approve" % again["id"]).status, 403)
        sup = self.client("sup")
        self.assertEqual(sup.request("POST", "/api/reports/%d/sent" % again["id"]).status, 409)
        r = sup.request("POST", "/api/reports/%d/approve" % again["id"])
        self.assertEqual(r.json["report"]["status"], "approved")
        self.assertEqual(r.json["report"]["approved_by"], "sup")
        self.assertEqual(sup.request("POST", "/api/reports/%d/approve" % again["id"]).status, 409)
        r = sup.request("POST", "/api/reports/%d/sent" % again["id"], {"via": "郵送"})
        self.assertEqual(r.status, 200, r.raw)
        sent = r.json["report"]
        self.assertEqual((sent["status"], sent["sent_by"], sent["sent_via"]),
                         ("sent", "sup", "郵送"))
        self.assertRegex(sent["sent_at"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
        view = pat.request("GET", "/api/cases/%d" % cid).json
        self.assertEqual(view["case"]["status"], "reported")
        self.assertEqual(view["case"]["reported_at"], sent["sent_at"])
        # every item the report covers is now watched for removal
        self.assertEqual(sorted(x["item"] for x in view["removals"]), sorted(ids))
        # a sent report stays; a new draft is a follow-up beside it
        r = pat.request("POST", "/api/cases/%d/reports" % cid, {"kind": "police"})
        self.assertEqual(pat.request("GET", "/api/reports/%d" % again["id"]).json["report"]
                         ["status"], "sent")
        actions = {(e["user"], e["action"], e["target"]) for e in self.audit("sup")}
        self.assertIn(("sup", "report.approve", "report:%d" % again["id"]), actions)
        self.assertIn(("sup", "report.sent", "report:%d" % again["id"]), actions)
        self.assertIn(("pat", "report.draft", "case:%d" % cid), actions)
        self.assertTrue(sup.request("GET", "/api/audit/verify").json["ok"])

    def test_admin_template_and_broken_template(self):
        pat = self.client("pat")
        cid, _ = self.make_case(pat)
        tdir = os.path.join(self.data.path, "templates")
        os.makedirs(tdir, exist_ok=True)
        path = os.path.join(tdir, "warning.txt")
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write("独自の警告文 {{item.url}}\n{{#items}}\n* {{url}}\n{{/items}}\n")
            r = pat.request("POST", "/api/cases/%d/reports" % cid, {"kind": "warning"})
            self.assertEqual(r.status, 201, r.raw)
            text = self.download(pat, r.json["reports"][0]["id"], "text").raw.decode()
            self.assertTrue(text.startswith("独自の警告文"), text)
            with open(path, "w", encoding="utf-8") as f:
                f.write("一行目\n{{#items}}\n{{url}}\n{{/item}}\n")
            r = pat.request("POST", "/api/cases/%d/reports" % cid, {"kind": "warning"})
            self.assertEqual(r.status, 422, r.raw)
            self.assertIn("warning.txt:4:1: {{/item}} closes {{#items}} opened at 2:1",
                          r.json["error"])
        finally:
            os.unlink(path)
        # nothing half-drafted: the last good drafts are still the current ones
        reps = pat.request("GET", "/api/cases/%d" % cid).json["reports"]
        self.assertTrue(all(r["status"] in ("draft", "approved", "sent") for r in reps))

    # ---- the evidence package ----

    def test_package(self):
        pat = self.client("pat")
        cid, ids = self.make_case(pat)
        pat.request("POST", "/api/cases/%d/reports" % cid, {"kind": "ihc"})
        self.assertEqual(pat.request("GET", "/api/cases/%d/package" % cid).status, 403)
        sup = self.client("sup")
        r = sup.request("GET", "/api/cases/%d/package" % cid)
        self.assertEqual(r.status, 200, r.raw[:200])
        self.assertEqual(r.header("Content-Type"), "application/gzip")
        self.assertIn("case-%d-evidence.tar.gz" % cid, r.header("Content-Disposition"))
        tmp = tempfile.mkdtemp()
        try:
            pkg = os.path.join(tmp, "case.tar.gz")
            with open(pkg, "wb") as f:
                f.write(r.raw)
            with tarfile.open(fileobj=io.BytesIO(r.raw)) as tar:
                names = tar.getnames()
                for m in tar.getmembers():
                    self.assertFalse(m.name.startswith("/") or ".." in m.name, m.name)
                tar.extractall(os.path.join(tmp, "x"))
            for want in ("README.txt", "case.json", "manifest.json", "SHA256SUMS"):
                self.assertIn(want, names)
            for i in ids:
                self.assertIn("items/%d.txt" % i, names)
            self.assertTrue(any(n.startswith("reports/") and n.endswith("-ihc.txt")
                                for n in names))
            x = os.path.join(tmp, "x")
            check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=x,
                                   capture_output=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            with open(os.path.join(x, "case.json"), encoding="utf-8") as f:
                case = json.load(f)
            self.assertEqual(case["case"]["id"], cid)
            with open(os.path.join(x, "manifest.json"), encoding="utf-8") as f:
                manifest = json.load(f)
            listed = {f["path"] for f in manifest["files"]}
            self.assertEqual(listed, set(names) - {"manifest.json", "SHA256SUMS"})
            # the same check without unpacking, and a tampered copy fails it
            ok = run(BIN, ["verify", "--package", pkg], check=False)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            with open(os.path.join(x, "items/%d.txt" % ids[0]), "ab") as f:
                f.write(b"!")
            bad = os.path.join(tmp, "bad.tar.gz")
            with tarfile.open(bad, "w:gz") as tar:
                for n in names:
                    tar.add(os.path.join(x, n), arcname=n, recursive=False)
            res = run(BIN, ["verify", "--package", bad], check=False)
            self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
            self.assertIn("items/%d.txt" % ids[0], (res.stdout + res.stderr).decode())
        finally:
            shutil.rmtree(tmp)
        entries = self.audit("sup")
        taken = [e for e in entries if e["action"] == "case.package"
                 and e["target"] == "case:%d" % cid]
        self.assertEqual(taken[0]["user"], "sup")
        self.assertEqual(taken[0]["detail"]["sha256"], hashlib.sha256(r.raw).hexdigest())

    def test_case_cli(self):
        pat = self.client("pat")
        cid, ids = self.make_case(pat)
        out = run(BIN, ["case", "list", "--data", self.data.path]).stdout.decode()
        line = [l for l in out.splitlines() if l.split()[0] == str(cid)]
        self.assertEqual(len(line), 1, out)
        self.assertIn("drug_ad", line[0])
        self.assertIn("3 items", line[0])
        shown = json.loads(run(BIN, ["case", "show", str(cid), "--data",
                                     self.data.path]).stdout)
        self.assertEqual(shown["case"]["id"], cid)
        self.assertEqual([i["id"] for i in shown["items"]], ids)
        tmp = tempfile.mkdtemp()
        try:
            pkg = os.path.join(tmp, "p.tar.gz")
            res = run(BIN, ["case", "package", str(cid), "-o", pkg, "--data", self.data.path])
            with open(pkg, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            self.assertTrue(res.stdout.decode().startswith(digest), res.stdout)
            self.assertEqual(run(BIN, ["verify", "--package", pkg]).returncode, 0)
            self.assertFalse(os.path.exists(pkg + ".part"))
        finally:
            shutil.rmtree(tmp)
        entries = self.audit("sup")
        mine = [e for e in entries if e["action"] == "case.package"
                and e["target"] == "case:%d" % cid and e["user"].startswith("cli:")]
        self.assertEqual(mine[0]["detail"]["sha256"], digest)
        # errors name what is wrong and exit 2
        for args, want in ((["case", "show", "999999"], "no case 999999"),
                           (["case", "show", "x"], "needs one case id"),
                           (["case", "frob"], "unknown case command"),
                           (["case", "list", "--status", "open"], "--status")):
            r = run(BIN, args + ["--data", self.data.path], check=False)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(want, r.stderr.decode(), args)
        r = run(BIN, ["verify", "--package", "/nonexistent.tar.gz"], check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent.tar.gz", r.stderr.decode())

    def test_writes_need_csrf(self):
        pat = self.client("pat")
        cid, _ = self.make_case(pat)
        for method, path, body in (
                ("POST", "/api/cases", {"title": "x", "category": "fraud"}),
                ("PATCH", "/api/cases/%d" % cid, {"title": "y"}),
                ("POST", "/api/cases/%d/notes" % cid, {"text": "z"}),
                ("POST", "/api/cases/%d/reports" % cid, {"kind": "ihc"})):
            r = pat.request(method, path, body, csrf=False)
            self.assertEqual(r.status, 403, (method, path))
        anon = Client(self.server.port)
        self.assertEqual(anon.request("GET", "/api/cases").status, 401)
        self.assertEqual(anon.request("GET", "/api/reports/1/download").status, 401)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
