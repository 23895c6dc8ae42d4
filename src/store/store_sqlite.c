/*
 * store_sqlite.c — the SQLite backend of the store: schema migrations, and
 * every statement prepared once at open (no SQL is ever built from data).
 *
 * WAL mode lets readers (search, stats) run beside a patrol writing;
 * foreign keys are on so detections never outlive their item. Text search
 * uses a contentless FTS5 table with the trigram tokenizer over the
 * normalized text: trigrams need no word segmentation, which Japanese text
 * does not have, and normalized queries find every obfuscated spelling.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "buf.h"
#include "sqlite_internal.h"

/* Each entry moves the schema one version up; never edit a shipped one,
 * append a new one. PRAGMA user_version records how far a file is. */
static const char *const migrations[] = {
    /* 1: the patrol store */
    "CREATE TABLE sources ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL UNIQUE,"
    "  target TEXT,"
    "  query TEXT,"
    "  every_seconds INTEGER,"
    "  allow_private INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT,"
    "  last_run_at TEXT,"
    "  last_run_unix INTEGER,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE patrol_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  what TEXT,"
    "  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  ended_at TEXT,"
    "  items_new INTEGER NOT NULL DEFAULT 0,"
    "  items_seen INTEGER NOT NULL DEFAULT 0,"
    "  hits INTEGER NOT NULL DEFAULT 0,"
    "  errors INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE items ("
    "  id INTEGER PRIMARY KEY,"
    "  source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,"
    "  run_id INTEGER REFERENCES patrol_runs(id),"
    "  platform TEXT NOT NULL,"
    "  external_id TEXT NOT NULL,"
    "  url TEXT,"
    "  author TEXT,"
    "  posted_at TEXT,"
    "  fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  lang TEXT,"
    "  text TEXT NOT NULL,"
    "  raw_sha256 TEXT NOT NULL,"
    "  text_sha256 TEXT NOT NULL,"
    "  raw_ref TEXT,"
    "  UNIQUE (platform, external_id));"
    "CREATE INDEX items_text_sha256 ON items(text_sha256);"
    "CREATE INDEX items_fetched ON items(fetched_at);"
    "CREATE TABLE detections ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  rule_id TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  score REAL NOT NULL,"
    "  spans TEXT NOT NULL,"
    "  pack_version TEXT,"
    "  UNIQUE (item_id, rule_id));"
    "CREATE INDEX detections_category ON detections(category);"
    "CREATE TABLE indicators ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  type TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  span_start INTEGER,"
    "  span_end INTEGER);"
    "CREATE INDEX indicators_value ON indicators(type, value);"
    "CREATE VIRTUAL TABLE items_fts USING fts5(norm, content='', tokenize='trigram');",
    /* 2: merge the trigram index's segments less eagerly. Every batch
     * commit writes a segment; the default (merge at 4, crisis at 16)
     * rewrote the index over and over while importing and cost a third of
     * the ingest time. At 16/64 a bulk import runs about 30 % faster and a
     * search still reads a bounded number of segments. */
    "INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);"
    "INSERT INTO items_fts (items_fts, rank) VALUES ('crisismerge', 64);",
    /* 3: intel lists (issue 5). A list is named; each import of it is a
     * new version that replaces its entries. Entries hold canonical
     * values (src/intel/intel_canon.c) so matching compares like with like;
     * UNIQUE drops a value a list repeats and indexes the list's rows. */
    "CREATE TABLE intel_lists ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  format TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  match TEXT NOT NULL,"
    "  source TEXT,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  imported_at TEXT NOT NULL,"
    "  entries INTEGER NOT NULL DEFAULT 0,"
    "  skipped INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE intel_entries ("
    "  id INTEGER PRIMARY KEY,"
    "  list_id INTEGER NOT NULL REFERENCES intel_lists(id) ON DELETE CASCADE,"
    "  type TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  first_seen TEXT,"
    "  description TEXT,"
    "  UNIQUE (list_id, type, value));"
    "CREATE INDEX intel_entries_value ON intel_entries(type, value);",
    /* review workbench: accounts, sessions, decisions, the hash-chained
     * audit log, and review_queue: one row per item with detections (its
     * highest score, its time, its review status), kept by triggers so
     * every writer maintains it, and indexed in the queue's order so a
     * page of the queue reads a page of the index, never the items. */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('patroller', 'supervisor', 'admin')),"
    "  password_hash TEXT NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE sessions ("
    "  id_hash TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  csrf TEXT NOT NULL,"
    "  expires_unix INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE decisions ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  decision TEXT NOT NULL CHECK (decision IN ('confirm', 'dismiss')),"
    "  category TEXT,"
    "  reason TEXT,"
    "  user TEXT NOT NULL,"
    "  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX decisions_item ON decisions(item_id);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  user TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  target TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL);"
    /* append-only for junkai itself; the hash chain catches anyone else */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE review_queue ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  score REAL NOT NULL,"
    "  at TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'pending');"
    "CREATE INDEX review_queue_rank ON review_queue(status, score DESC, at DESC, item_id DESC);"
    "CREATE INDEX IF NOT EXISTS indicators_item ON indicators(item_id);"
    "INSERT INTO review_queue (item_id, score, at)"
    "  SELECT d.item_id, max(d.score),"
    "         coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', i.posted_at), i.fetched_at)"
    "  FROM detections d JOIN items i ON i.id = d.item_id GROUP BY d.item_id;"
    "CREATE TRIGGER review_queue_detection AFTER INSERT ON detections BEGIN"
    "  INSERT OR IGNORE INTO review_queue (item_id, score, at)"
    "    SELECT NEW.item_id, NEW.score,"
    "           coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', posted_at), fetched_at)"
    "    FROM items WHERE id = NEW.item_id;"
    "  UPDATE review_queue SET score = NEW.score"
    "    WHERE item_id = NEW.item_id AND score < NEW.score;"
    "END;"
    "CREATE TRIGGER review_queue_rescore AFTER UPDATE OF score ON detections BEGIN"
    "  UPDATE review_queue SET score ="
    "    (SELECT max(score) FROM detections WHERE item_id = NEW.item_id)"
    "    WHERE item_id = NEW.item_id;"
    "END;"
    "CREATE TRIGGER review_queue_decision AFTER INSERT ON decisions BEGIN"
    "  UPDATE review_queue SET status ="
    "    CASE NEW.decision WHEN 'confirm' THEN 'confirmed' ELSE 'dismissed' END"
    "    WHERE item_id = NEW.item_id;"
    "END;",
    /* evidence: files named by their SHA-256 (WARC of each fetch), which
     * items came from which, and a per-source switch (on by default) */
    "CREATE TABLE evidence ("
    "  id INTEGER PRIMARY KEY,"
    "  sha256 TEXT NOT NULL UNIQUE,"
    "  path TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  url TEXT,"
    "  item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,"
    "  run_id INTEGER REFERENCES patrol_runs(id),"
    "  source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  size INTEGER NOT NULL);"
    "CREATE INDEX evidence_run ON evidence(run_id);"
    "CREATE TABLE item_evidence ("
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (item_id, evidence_id)) WITHOUT ROWID;"
    "CREATE INDEX item_evidence_evidence ON item_evidence(evidence_id);"
    "ALTER TABLE sources ADD COLUMN evidence INTEGER NOT NULL DEFAULT 1;",
    /* cases and what follows a confirmation: confirmed items grouped into
     * cases (an item in one case at most), notes, reports drafted from a
     * case (a report's text never changes once stored: a new draft is a new
     * row), their submission attempts, and the removal checks of reported
     * items. A case's history is the audit log's entries for "case:N". */
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'new'"
    "    CHECK (status IN ('new', 'confirmed', 'reported', 'removed', 'dismissed')),"
    "  assignee TEXT,"
    "  created_by TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  reported_at TEXT,"
    "  removed_at TEXT);"
    "CREATE INDEX cases_status ON cases(status, id);"
    "CREATE TABLE case_items ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
    "  added_by TEXT NOT NULL,"
    "  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX case_items_case ON case_items(case_id);"
    "CREATE TABLE case_notes ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
    "  user TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX case_notes_case ON case_notes(case_id);"
    "CREATE TABLE reports ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('ihc', 'police', 'deletion', 'warning')),"
    "  doc_key TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  fields TEXT NOT NULL DEFAULT '[]',"
    "  body_sha256 TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'draft'"
    "    CHECK (status IN ('draft', 'approved', 'sent', 'superseded')),"
    "  created_by TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  approved_by TEXT, approved_at TEXT,"
    "  sent_by TEXT, sent_at TEXT, sent_via TEXT,"
    "  destination TEXT,"
    "  submit_state TEXT CHECK (submit_state IN"
    "    ('queued', 'sending', 'retry', 'delivered', 'failed', 'uncertain')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_unix INTEGER,"
    "  last_error TEXT);"
    "CREATE INDEX reports_case ON reports(case_id, kind, doc_key);"
    "CREATE INDEX reports_submit ON reports(submit_state, next_attempt_unix)"
    "  WHERE submit_state IS NOT NULL;"
    "CREATE TRIGGER reports_text_fixed BEFORE UPDATE OF case_id, kind, doc_key, title, body,"
    "  fields, body_sha256 ON reports"
    "  BEGIN SELECT RAISE(ABORT, 'a stored report is never rewritten'); END;"
    "CREATE TABLE report_items ("
    "  report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (report_id, item_id)) WITHOUT ROWID;"
    "CREATE INDEX report_items_item ON report_items(item_id);"
    "CREATE TABLE submissions ("
    "  id INTEGER PRIMARY KEY,"
    "  report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
    "  destination TEXT NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  finished_at TEXT,"
    "  outcome TEXT,"
    "  detail TEXT,"
    "  evidence_id INTEGER REFERENCES evidence(id));"
    "CREATE INDEX submissions_report ON submissions(report_id);"
    "CREATE TABLE removal_checks ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  reported_at TEXT NOT NULL,"
    "  next_check_unix INTEGER,"
    "  interval_seconds INTEGER NOT NULL DEFAULT 86400,"
    "  checks INTEGER NOT NULL DEFAULT 0,"
    "  last_check_at TEXT,"
    "  last_result TEXT,"
    "  last_status INTEGER,"
    "  removed_at TEXT,"
    "  reason TEXT);"
    "CREATE INDEX removal_checks_due ON removal_checks(next_check_unix)"
    "  WHERE removed_at IS NULL;"
    "CREATE INDEX audit_target ON audit(target, id);"
    "CREATE INDEX evidence_item ON evidence(item_id);",
    /* page captures (screenshot, DOM, MHTML: src/evidence/capture.h): the
     * queue of captures that follow an item filed into a case
     * (junkai/capture_jobs.h), and when and by whom an evidence file was
     * taken (captures say; fetches of a patrol too) */
    "CREATE TABLE capture_jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  url TEXT NOT NULL,"
    "  allow_private INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'queued'"
    "    CHECK (state IN ('queued', 'running', 'done', 'failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_unix INTEGER NOT NULL DEFAULT 0,"
    "  lease_until_unix INTEGER,"
    "  last_error TEXT,"
    "  requested_by TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  finished_at TEXT,"
    "  evidence_id INTEGER REFERENCES evidence(id));"
    "CREATE INDEX capture_jobs_due ON capture_jobs(state, next_attempt_unix)"
    "  WHERE state IN ('queued', 'running');"
    "CREATE INDEX capture_jobs_item ON capture_jobs(item_id);"
    "ALTER TABLE evidence ADD COLUMN captured_at TEXT;"
    "ALTER TABLE evidence ADD COLUMN operator TEXT;",
    /* how each source's last run ended, whoever ran it (the schedule, run
     * now, `junkai patrol --source`): what the sources screen shows and
     * what tells a team that a source has been failing for days */
    "ALTER TABLE sources ADD COLUMN last_attempt_at TEXT;"
    "ALTER TABLE sources ADD COLUMN last_ok INTEGER;"
    "ALTER TABLE sources ADD COLUMN last_outcome TEXT;"
    "ALTER TABLE sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;",
};

enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_FIND_ITEM,
    ST_FIND_TEXT,
    ST_INSERT_ITEM,
    ST_INSERT_FTS,
    ST_UPSERT_DETECTION,
    ST_INSERT_INDICATOR,
    ST_RUN_START,
    ST_RUN_FINISH,
    ST_SEARCH_FTS,
    ST_SEARCH_LIKE,
    ST_COUNT_ITEMS,
    ST_COUNT_HIT,
    ST_COUNT_CATEGORY,
    ST_COUNT_RUNS,
    ST_BY_DAY,
    ST_BY_PLATFORM,
    ST_SOURCE_ADD,
    ST_SOURCE_LIST,
    ST_SOURCE_RM,
    ST_SOURCE_STATE,
    ST_SOURCE_OUTCOME,
    /* campaigns (issue 5) */
    ST_INDICATOR_ROWS,
    ST_ITEM_INDICATORS,
    ST_ITEM_BY_ID,
    ST_ITEM_BY_EXTERNAL,
    /* intel lists (issue 5) */
    ST_INTEL_LIST_PUT,
    ST_INTEL_LIST_ID,
    ST_INTEL_LIST_CLEAR,
    ST_INTEL_ENTRY_ADD,
    ST_INTEL_LIST_FINISH,
    ST_INTEL_LIST_ENTRIES,
    ST_INTEL_LISTS,
    ST_INTEL_LIST_RM,
    ST_INTEL_ENTRIES,
    ST_INDICATOR_EXPORT,
    ST_INDICATOR_EXPORT_CONFIRMED,
    ST_EVIDENCE_ADD,
    ST_EVIDENCE_FIND,
    ST_ITEM_EVIDENCE,
    ST_SOURCE_SET_EVIDENCE,
    ST_SOURCE_EVIDENCE,
    ST_COUNT
};

static const char *const statements[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_FIND_ITEM] = "SELECT id FROM items WHERE platform = ?1 AND external_id = ?2",
    [ST_FIND_TEXT] = "SELECT id FROM items WHERE text_sha256 = ?1 LIMIT 1",
    [ST_INSERT_ITEM] =
        "INSERT INTO items (source_id, run_id, platform, external_id, url, author, posted_at,"
        " lang, text, raw_sha256, text_sha256) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
    [ST_INSERT_FTS] = "INSERT INTO items_fts (rowid, norm) VALUES (?1, ?2)",
    [ST_UPSERT_DETECTION] =
        "INSERT INTO detections (item_id, rule_id, category, score, spans, pack_version)"
        " VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT (item_id, rule_id) DO UPDATE SET"
        " category = excluded.category, score = excluded.score, spans = excluded.spans,"
        " pack_version = excluded.pack_version",
    [ST_RUN_START] = "INSERT INTO patrol_runs (what) VALUES (?1)",
    [ST_RUN_FINISH] =
        "UPDATE patrol_runs SET ended_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
        " items_new = ?2, items_seen = ?3, hits = ?4, errors = ?5 WHERE id = ?1",
    [ST_SEARCH_FTS] =
        "SELECT i.id, i.platform, i.external_id, i.url, i.posted_at, i.text FROM items_fts f"
        " JOIN items i ON i.id = f.rowid WHERE items_fts MATCH ?1"
        " ORDER BY f.rowid DESC LIMIT ?2", /* FTS5 walks rowids backwards: no sort */
    [ST_SEARCH_LIKE] =
        "SELECT id, platform, external_id, url, posted_at, text FROM items"
        " WHERE instr(text, ?1) > 0 ORDER BY id DESC LIMIT ?2",
    [ST_INSERT_INDICATOR] = "INSERT INTO indicators (item_id, type, value, span_start, span_end)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_COUNT_ITEMS] = "SELECT count(*) FROM items",
    [ST_COUNT_HIT] = "SELECT count(DISTINCT item_id) FROM detections",
    [ST_COUNT_CATEGORY] =
        "SELECT category, count(DISTINCT item_id) FROM detections GROUP BY category",
    [ST_COUNT_RUNS] = "SELECT count(*) FROM patrol_runs",
    [ST_BY_DAY] =
        "SELECT substr(i.fetched_at, 1, 10) AS k, count(*),"
        " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM detections d WHERE d.item_id = i.id))"
        " FROM items i GROUP BY k ORDER BY k",
    [ST_BY_PLATFORM] =
        "SELECT i.platform AS k, count(*),"
        " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM detections d WHERE d.item_id = i.id))"
        " FROM items i GROUP BY k ORDER BY k",
    [ST_SOURCE_ADD] =
        "INSERT INTO sources (kind, name, target, query, every_seconds, allow_private)"
        " VALUES (?1,?2,?3,?4,?5,?6)",
    [ST_SOURCE_LIST] =
        "SELECT id, kind, name, target, query, every_seconds, allow_private, state,"
        " last_run_at, last_run_unix, last_attempt_at, last_ok, last_outcome, failures"
        " FROM sources ORDER BY id",
    [ST_SOURCE_RM] = "DELETE FROM sources WHERE name = ?1",
    [ST_SOURCE_STATE] =
        "UPDATE sources SET state = ?2,"
        " last_run_at = CASE WHEN ?3 != 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ','now')"
        " ELSE last_run_at END,"
        " last_run_unix = CASE WHEN ?3 != 0 THEN ?3 ELSE last_run_unix END WHERE id = ?1",
    [ST_SOURCE_OUTCOME] =
        "UPDATE sources SET last_attempt_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
        " last_ok = ?2, last_outcome = ?3,"
        " failures = CASE WHEN ?2 THEN 0 ELSE failures + 1 END WHERE id = ?1",
    /* campaigns (issue 5). One item's indicators use indicators_item
     * (added with the review queue, which reads them per queued item); the
     * linking pass reads every row anyway. */
    [ST_INDICATOR_ROWS] =
        "SELECT n.item_id, n.type, n.value, i.url, n.span_start, n.span_end"
        " FROM indicators n JOIN items i ON i.id = n.item_id",
    [ST_ITEM_INDICATORS] =
        "SELECT item_id, type, value, NULL, span_start, span_end FROM indicators"
        " WHERE item_id = ?1 ORDER BY span_start, span_end DESC, id",
    [ST_ITEM_BY_ID] =
        "SELECT i.id, i.platform, i.external_id, i.url, i.author, i.posted_at, i.fetched_at,"
        " CASE WHEN ?2 THEN i.text END,"
        " (SELECT group_concat(DISTINCT d.category) FROM detections d WHERE d.item_id = i.id)"
        " FROM items i WHERE i.id = ?1",
    [ST_ITEM_BY_EXTERNAL] =
        "SELECT i.id, i.platform, i.external_id, i.url, i.author, i.posted_at, i.fetched_at,"
        " CASE WHEN ?2 THEN i.text END,"
        " (SELECT group_concat(DISTINCT d.category) FROM detections d WHERE d.item_id = i.id)"
        " FROM items i WHERE i.platform = ?3 AND i.external_id = ?4",
    /* A refresh keeps the list's category and match mode unless new ones
     * are given, and counts one version up. */
    [ST_INTEL_LIST_PUT] =
        "INSERT INTO intel_lists (name, format, category, match, source, imported_at)"
        " VALUES (?1, ?2, coalesce(?3, 'phishing'), coalesce(?4, 'exact'), ?5,"
        " strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
        " ON CONFLICT (name) DO UPDATE SET format = excluded.format,"
        " category = coalesce(?3, category), match = coalesce(?4, match),"
        " source = excluded.source, version = version + 1,"
        " imported_at = excluded.imported_at, entries = 0, skipped = 0",
    [ST_INTEL_LIST_ID] = "SELECT id, version, imported_at FROM intel_lists WHERE name = ?1",
    [ST_INTEL_LIST_CLEAR] = "DELETE FROM intel_entries WHERE list_id = ?1",
    [ST_INTEL_ENTRY_ADD] =
        "INSERT OR IGNORE INTO intel_entries (list_id, type, value, first_seen, description)"
        " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_INTEL_LIST_FINISH] =
        "UPDATE intel_lists SET skipped = ?2,"
        " entries = (SELECT count(*) FROM intel_entries WHERE list_id = ?1) WHERE id = ?1",
    [ST_INTEL_LIST_ENTRIES] = "SELECT entries FROM intel_lists WHERE id = ?1",
    [ST_INTEL_LISTS] =
        "SELECT id, name, format, category, match, source, version, imported_at, entries,"
        " skipped FROM intel_lists ORDER BY name",
    [ST_INTEL_LIST_RM] = "DELETE FROM intel_lists WHERE name = ?1",
    [ST_INTEL_ENTRIES] = "SELECT list_id, type, value FROM intel_entries ORDER BY list_id",
    /* Indicators of items something detected: what a team shares. */
    [ST_INDICATOR_EXPORT] =
        "SELECT x.type, x.value, min(i.fetched_at), max(i.fetched_at), count(DISTINCT i.id)"
        " FROM indicators x JOIN items i ON i.id = x.item_id"
        " WHERE EXISTS (SELECT 1 FROM detections d WHERE d.item_id = i.id)"
        " GROUP BY x.type, x.value ORDER BY x.type, x.value",
    /* …of items a person confirmed: their latest decision says so */
    [ST_INDICATOR_EXPORT_CONFIRMED] =
        "SELECT x.type, x.value, min(i.fetched_at), max(i.fetched_at), count(DISTINCT i.id)"
        " FROM indicators x JOIN items i ON i.id = x.item_id"
        " WHERE (SELECT d.decision FROM decisions d WHERE d.item_id = i.id"
        "        ORDER BY d.id DESC LIMIT 1) = 'confirm'"
        " GROUP BY x.type, x.value ORDER BY x.type, x.value",
    [ST_EVIDENCE_ADD] =
        "INSERT INTO evidence (sha256, path, kind, url, item_id, run_id, source_id, size,"
        " captured_at, operator)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT (sha256) DO NOTHING",
    [ST_EVIDENCE_FIND] = "SELECT id FROM evidence WHERE sha256 = ?1",
    [ST_ITEM_EVIDENCE] =
        "INSERT OR IGNORE INTO item_evidence (item_id, evidence_id) VALUES (?1, ?2)",
    [ST_SOURCE_SET_EVIDENCE] = "UPDATE sources SET evidence = ?2 WHERE id = ?1",
    [ST_SOURCE_EVIDENCE] = "SELECT evidence FROM sources WHERE id = ?1",
};

/* The review workbench's statements (accounts, sessions, queue, audit). */
enum {
    RV_USER_ADD,
    RV_USER_GET,
    RV_USER_LIST,
    RV_USER_PASSWD,
    RV_USER_DISABLE,
    RV_USER_SESSIONS_END,
    RV_SESSION_PURGE,
    RV_SESSION_ADD,
    RV_SESSION_GET,
    RV_SESSION_DELETE,
    RV_QUEUE,
    RV_ITEM_GET,
    RV_ITEM_EXISTS,
    RV_DETECTIONS,
    RV_DECISION_ADD,
    RV_DECISIONS,
    RV_STATS,
    RV_AUDIT_LAST,
    RV_AUDIT_INSERT,
    RV_AUDIT_ASC,
    RV_AUDIT_DESC,
    RV_EVIDENCE_LIST,
    RV_COUNT
};

#define RV_ITEM_COLUMNS                                                                       \
    "i.id, i.platform, i.external_id, i.url, i.author, i.posted_at, i.fetched_at, i.text"
#define RV_UTC "'%Y-%m-%dT%H:%M:%SZ'"

static const char *const review_statements[RV_COUNT] = {
    [RV_USER_ADD] = "INSERT INTO users (name, role, password_hash) VALUES (?1, ?2, ?3)",
    [RV_USER_GET] = "SELECT id, name, role, password_hash, disabled, created_at FROM users"
                    " WHERE name = ?1",
    [RV_USER_LIST] = "SELECT id, name, role, password_hash, disabled, created_at FROM users"
                     " ORDER BY name",
    [RV_USER_PASSWD] = "UPDATE users SET password_hash = ?2 WHERE name = ?1",
    [RV_USER_DISABLE] = "UPDATE users SET disabled = 1 WHERE name = ?1",
    [RV_USER_SESSIONS_END] =
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
    [RV_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_unix <= ?1",
    [RV_SESSION_ADD] =
        "INSERT INTO sessions (id_hash, user_id, csrf, expires_unix) VALUES (?1, ?2, ?3, ?4)",
    [RV_SESSION_GET] =
        "SELECT s.csrf, s.expires_unix, u.id, u.name, u.role, u.password_hash, u.disabled,"
        " u.created_at FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.id_hash = ?1 AND s.expires_unix > ?2 AND u.disabled = 0",
    [RV_SESSION_DELETE] = "DELETE FROM sessions WHERE id_hash = ?1",
    /* walks review_queue_rank in order: status is fixed, score and time
     * descend with the index, so LIMIT stops the walk early */
    [RV_QUEUE] =
        "SELECT " RV_ITEM_COLUMNS ", q.score, q.status, i.source_id"
        " FROM review_queue q JOIN items i ON i.id = q.item_id"
        " WHERE q.status = ?1 AND q.score >= ?2"
        " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM detections d"
        "      WHERE d.item_id = q.item_id AND d.category = ?3))"
        " AND (?4 IS NULL OR i.source_id = (SELECT id FROM sources WHERE name = ?4))"
        " AND (?5 IS NULL OR i.platform = ?5)"
        " AND (?6 IS NULL OR q.at >= strftime(" RV_UTC ", ?6))"
        " AND (?7 IS NULL OR q.at < strftime(" RV_UTC ", ?7))"
        " ORDER BY q.score DESC, q.at DESC, q.item_id DESC LIMIT ?8 OFFSET ?9",
    [RV_ITEM_GET] =
        "SELECT " RV_ITEM_COLUMNS ", coalesce(q.score, 0), coalesce(q.status, 'unscored'),"
        " i.source_id FROM items i LEFT JOIN review_queue q ON q.item_id = i.id WHERE i.id = ?1",
    [RV_ITEM_EXISTS] = "SELECT 1 FROM items WHERE id = ?1",
    [RV_DETECTIONS] = "SELECT rule_id, category, score, spans, pack_version FROM detections"
                      " WHERE item_id = ?1 ORDER BY score DESC, rule_id",
    [RV_DECISION_ADD] = "INSERT INTO decisions (item_id, decision, category, reason, user)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)",
    [RV_DECISIONS] = "SELECT decision, category, reason, user, at FROM decisions"
                     " WHERE item_id = ?1 ORDER BY id",
    [RV_STATS] =
        "SELECT d.category, substr(q.at, 1, 7) AS month, count(DISTINCT d.item_id),"
        " count(DISTINCT CASE WHEN q.status = 'confirmed' THEN d.item_id END),"
        " count(DISTINCT CASE WHEN q.status = 'dismissed' THEN d.item_id END)"
        " FROM detections d JOIN review_queue q ON q.item_id = d.item_id"
        " GROUP BY d.category, month ORDER BY month, d.category",
    [RV_AUDIT_LAST] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
    [RV_AUDIT_INSERT] =
        "INSERT INTO audit (id, at, user, action, target, detail, prev_hash, hash)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [RV_AUDIT_ASC] = "SELECT id, at, user, action, target, detail, prev_hash, hash FROM audit"
                     " ORDER BY id LIMIT ?1 OFFSET ?2",
    [RV_AUDIT_DESC] = "SELECT id, at, user, action, target, detail, prev_hash, hash FROM audit"
                      " ORDER BY id DESC LIMIT ?1 OFFSET ?2",
    [RV_EVIDENCE_LIST] = "SELECT id, sha256, path, kind, size FROM evidence ORDER BY id",
};

/* Reset a statement for reuse (bindings cleared) and return it. */
static sqlite3_stmt *stmt(sqlite_store *s, int which)
{
    sqlite3_stmt *st = s->stmt[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void sqlite_close(void *impl)
{
    sqlite_store *s = impl;
    if (!s)
        return;
    for (int i = 0; s->stmt && i < ST_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    for (int i = 0; s->review && i < RV_COUNT; i++)
        sqlite3_finalize(s->review[i]);
    jk_sqlite_cases_finalize(s);
    jk_sqlite_capture_finalize(s);
    sqlite3_close(s->db);
    free(s->stmt);
    free(s->review);
    free(s->path);
    free(s);
}

static int migrate(sqlite_store *s, jk_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "reading the schema version");
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    int latest = (int)(sizeof migrations / sizeof migrations[0]);
    if (version > latest)
        return jk_error_set(err, JK_EINVAL,
                            "%s: schema version %d is newer than this junkai knows (%d)",
                            s->path, version, latest);
    for (int v = version; v < latest; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        char *msg = NULL;
        /* each migration and its version bump commit together */
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            int rc = jk_error_set(err, JK_EIO, "%s: migration %d failed: %s", s->path, v + 1,
                                  msg ? msg : sqlite3_errmsg(s->db));
            sqlite3_free(msg);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    s->version = latest;
    return JK_OK;
}

/* SQLite counts every allocation under one process-wide mutex unless told
 * not to (SQLITE_CONFIG_MEMSTATUS); with several server threads each on its
 * own connection, that mutex was the hottest lock of a queue request (a
 * fifth of its time in perf). junkai never reads those counters. The
 * setting is the process's and only takes before SQLite initializes, so it
 * is made once, first thing; if the process had initialized SQLite
 * already, the call is refused and nothing changes. */
static pthread_once_t sqlite_setup_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sqlite_open(const char *location, void **impl, jk_error *err)
{
    pthread_once(&sqlite_setup_once, sqlite_setup);
    sqlite_store *s = jk_calloc(1, sizeof *s);
    s->path = jk_strdup(location);
    s->stmt = jk_calloc(ST_COUNT, sizeof *s->stmt);
    s->review = jk_calloc(RV_COUNT, sizeof *s->review);
    int rc = JK_OK;
    /* NOMUTEX: a jk_store is used by one thread at a time (store.h), so
     * SQLite's per-call locking only cost time (a fifth of a server's
     * queue request went to it). */
    if (sqlite3_open_v2(location, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = db_error(s, err, "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(s->db,
                     "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                     " PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;"
                     " PRAGMA temp_store = MEMORY;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        rc = jk_error_set(err, JK_EIO, "%s: %s", location, msg ? msg : "cannot configure");
        sqlite3_free(msg);
        goto fail;
    }
    if ((rc = migrate(s, err)))
        goto fail;
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                               NULL) != SQLITE_OK) {
            rc = db_error(s, err, "preparing statements");
            goto fail;
        }
    for (int i = 0; i < RV_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, review_statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &s->review[i], NULL) != SQLITE_OK) {
            rc = db_error(s, err, "preparing statements");
            goto fail;
        }
    if ((rc = jk_sqlite_cases_prepare(s, err)))
        goto fail;
    if ((rc = jk_sqlite_capture_prepare(s, err)))
        goto fail;
    *impl = s;
    return JK_OK;
fail:
    sqlite_close(s);
    return rc;
}

static int sqlite_schema_version(void *impl)
{
    return ((sqlite_store *)impl)->version;
}

static int sqlite_begin(void *impl, jk_error *err)
{
    sqlite_store *s = impl;
    return run_step(s, stmt(s, ST_BEGIN), err, "begin");
}

static int sqlite_commit(void *impl, jk_error *err)
{
    sqlite_store *s = impl;
    return run_step(s, stmt(s, ST_COMMIT), err, "commit");
}

static void sqlite_rollback(void *impl)
{
    sqlite_store *s = impl;
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_step(stmt(s, ST_ROLLBACK));
}

static int find_id(sqlite_store *s, sqlite3_stmt *st, int64_t *id)
{
    if (sqlite3_step(st) != SQLITE_ROW)
        return 0;
    *id = sqlite3_column_int64(st, 0);
    return 1;
}

static int sqlite_add_item(void *impl, const jk_item_in *item, const char *raw_sha256,
                           const char *text_sha256, int64_t *item_id, bool *is_new,
                           jk_error *err)
{
    sqlite_store *s = impl;
    *is_new = false;
    sqlite3_stmt *st = stmt(s, ST_FIND_ITEM);
    bind_text(st, 1, item->platform);
    bind_text(st, 2, item->external_id);
    if (find_id(s, st, item_id))
        return JK_OK;
    st = stmt(s, ST_FIND_TEXT);
    bind_text(st, 1, text_sha256);
    if (find_id(s, st, item_id))
        return JK_OK; /* the same text under another id: a repost */

    st = stmt(s, ST_INSERT_ITEM);
    if (item->source_id)
        sqlite3_bind_int64(st, 1, item->source_id);
    if (item->run_id)
        sqlite3_bind_int64(st, 2, item->run_id);
    bind_text(st, 3, item->platform);
    bind_text(st, 4, item->external_id);
    bind_text(st, 5, item->url);
    bind_text(st, 6, item->author);
    bind_text(st, 7, item->posted_at);
    bind_text(st, 8, item->lang);
    sqlite3_bind_text(st, 9, item->text, (int)item->text_len, SQLITE_TRANSIENT);
    bind_text(st, 10, raw_sha256);
    bind_text(st, 11, text_sha256);
    int rc = run_step(s, st, err, "storing an item");
    if (rc)
        return rc;
    *item_id = sqlite3_last_insert_rowid(s->db);
    *is_new = true;

    /* Only the normalized text is indexed: every query is normalized too,
     * so one index finds all spellings, at half the cost of two. */
    st = stmt(s, ST_INSERT_FTS);
    sqlite3_bind_int64(st, 1, *item_id);
    if (item->normalized)
        sqlite3_bind_text(st, 2, item->normalized, (int)item->normalized_len, SQLITE_STATIC);
    else
        sqlite3_bind_text(st, 2, item->text, (int)item->text_len, SQLITE_STATIC);
    return run_step(s, st, err, "indexing an item");
}

static int sqlite_add_detection(void *impl, int64_t item_id, const jk_hit *hit,
                                const char *spans_json, const char *pack_version, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_UPSERT_DETECTION);
    sqlite3_bind_int64(st, 1, item_id);
    bind_text(st, 2, hit->rule_id);
    bind_text(st, 3, jk_category_id(hit->category));
    sqlite3_bind_double(st, 4, hit->score);
    bind_text(st, 5, spans_json);
    bind_text(st, 6, pack_version);
    return run_step(s, st, err, "storing a detection");
}

static int sqlite_add_indicator(void *impl, int64_t item_id, const char *type, const char *value,
                                size_t start, size_t end, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_INSERT_INDICATOR);
    sqlite3_bind_int64(st, 1, item_id);
    bind_text(st, 2, type);
    bind_text(st, 3, value);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)start);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)end);
    return run_step(s, st, err, "storing an indicator");
}

static int sqlite_run_start(void *impl, const char *what, int64_t *run_id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_RUN_START);
    bind_text(st, 1, what);
    int rc = run_step(s, st, err, "starting a patrol run");
    if (!rc)
        *run_id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int sqlite_run_finish(void *impl, int64_t run_id, long items_new, long items_seen,
                             long hits, long errors, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_RUN_FINISH);
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, items_new);
    sqlite3_bind_int64(st, 3, items_seen);
    sqlite3_bind_int64(st, 4, hits);
    sqlite3_bind_int64(st, 5, errors);
    return run_step(s, st, err, "finishing a patrol run");
}

/* An FTS5 string literal: the query as one phrase, quotes doubled, so no
 * user input is ever read as FTS syntax. */
static void fts_phrase(jk_buf *b, const char *column, const char *q)
{
    jk_buf_puts(b, column);
    jk_buf_puts(b, ":\"");
    for (const char *p = q; *p; p++) {
        if (*p == '"')
            jk_buf_putc(b, '"');
        jk_buf_putc(b, *p);
    }
    jk_buf_putc(b, '"');
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static const char *word_text(const jk_search_word *w)
{
    return w->normalized && *w->normalized ? w->normalized : w->original;
}

static int sqlite_search(void *impl, const jk_search_word *words, size_t count, size_t limit,
                         jk_search_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st;
    jk_buf match;
    jk_buf_init(&match, 0);
    /* Words of three characters or more go to the trigram index, ANDed;
     * shorter ones (trigrams need three) are checked on each row's text. */
    size_t indexed = 0, first_short = count;
    for (size_t i = 0; i < count; i++) {
        if (utf8_chars(word_text(&words[i])) >= 3) {
            if (indexed++)
                jk_buf_puts(&match, " AND ");
            fts_phrase(&match, "norm", word_text(&words[i]));
        } else if (first_short == count) {
            first_short = i;
        }
    }
    bool filtered = indexed + (indexed ? 0 : 1) < count;
    if (indexed) {
        st = stmt(s, ST_SEARCH_FTS);
        sqlite3_bind_text(st, 1, match.data, (int)match.len, SQLITE_TRANSIENT);
    } else {
        st = stmt(s, ST_SEARCH_LIKE);
        bind_text(st, 1, words[first_short].original);
    }
    /* with words left to check, rows are filtered here: no LIMIT in SQL */
    sqlite3_bind_int64(st, 2, filtered ? -1 : (sqlite3_int64)limit);
    int rc = JK_OK, step = SQLITE_DONE;
    size_t emitted = 0;
    while (emitted < limit && (step = sqlite3_step(st)) == SQLITE_ROW) {
        jk_search_row row = {
            sqlite3_column_int64(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3),
            (const char *)sqlite3_column_text(st, 4),
            (const char *)sqlite3_column_text(st, 5),
            (size_t)sqlite3_column_bytes(st, 5),
        };
        bool all = true;
        for (size_t i = 0; all && filtered && i < count; i++)
            if (utf8_chars(word_text(&words[i])) < 3 && row.text)
                all = strstr(row.text, words[i].original) != NULL;
        if (!all)
            continue;
        emitted++;
        if (fn(ctx, &row))
            break;
    }
    if (emitted < limit && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_error(s, err, "searching");
    jk_buf_release(&match);
    sqlite3_reset(st);
    return rc;
}

static long count_one(sqlite_store *s, int which)
{
    sqlite3_stmt *st = stmt(s, which);
    long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return n;
}

static int sqlite_stats(void *impl, jk_store_stats *out, jk_error *err)
{
    (void)err;
    sqlite_store *s = impl;
    out->items = count_one(s, ST_COUNT_ITEMS);
    out->items_hit = count_one(s, ST_COUNT_HIT);
    out->runs = count_one(s, ST_COUNT_RUNS);
    sqlite3_stmt *st = stmt(s, ST_COUNT_CATEGORY);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        jk_category c;
        if (id && jk_category_from_id(id, strlen(id), &c) == JK_OK)
            out->category_items[c] = (long)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return JK_OK;
}

static int sqlite_count_by(void *impl, const char *what, jk_count_fn fn, void *ctx,
                           jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, strcmp(what, "day") == 0 ? ST_BY_DAY : ST_BY_PLATFORM);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        if (fn(ctx, key ? key : "", (long)sqlite3_column_int64(st, 1),
               (long)sqlite3_column_int64(st, 2)))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? JK_OK : db_error(s, err, "counting");
    sqlite3_reset(st);
    return rc;
}

static int sqlite_source_add(void *impl, const jk_source *src, int64_t *id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_SOURCE_ADD);
    bind_text(st, 1, src->kind);
    bind_text(st, 2, src->name);
    bind_text(st, 3, src->target);
    bind_text(st, 4, src->query);
    sqlite3_bind_int64(st, 5, src->every_seconds);
    sqlite3_bind_int(st, 6, src->allow_private ? 1 : 0);
    if (sqlite3_step(st) != SQLITE_DONE) {
        if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
            return jk_error_set(err, JK_EINVAL, "a source named \"%s\" already exists",
                                src->name);
        return db_error(s, err, "adding a source");
    }
    *id = sqlite3_last_insert_rowid(s->db);
    return JK_OK;
}

static int sqlite_source_list(void *impl, jk_source_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_SOURCE_LIST);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        jk_source src = {
            sqlite3_column_int64(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3),
            (const char *)sqlite3_column_text(st, 4),
            sqlite3_column_int64(st, 5),
            sqlite3_column_int(st, 6) != 0,
            (const char *)sqlite3_column_text(st, 7),
            (const char *)sqlite3_column_text(st, 8),
            sqlite3_column_int64(st, 9),
            (const char *)sqlite3_column_text(st, 10),
            sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 11) != 0,
            (const char *)sqlite3_column_text(st, 12),
            sqlite3_column_int64(st, 13),
        };
        if (fn(ctx, &src))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? JK_OK : db_error(s, err, "listing sources");
    sqlite3_reset(st);
    return rc;
}

static int sqlite_source_rm(void *impl, const char *name, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_SOURCE_RM);
    bind_text(st, 1, name);
    int rc = run_step(s, st, err, "removing a source");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no source named \"%s\"", name);
    return rc;
}

static int sqlite_source_state(void *impl, int64_t id, const char *state, int64_t now_unix,
                               jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_SOURCE_STATE);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, state);
    sqlite3_bind_int64(st, 3, now_unix);
    return run_step(s, st, err, "saving a source's state");
}

static int sqlite_source_outcome(void *impl, int64_t id, bool ok, const char *outcome,
                                 jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_SOURCE_OUTCOME);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, ok);
    bind_text(st, 3, outcome);
    int rc = run_step(s, st, err, "saving a source's outcome");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no source with id %lld", (long long)id);
    return rc;
}

/* campaigns (issue 5) */

static int sqlite_indicator_rows(void *impl, int64_t item_id, jk_indicator_row_fn fn, void *ctx,
                                 jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, item_id ? ST_ITEM_INDICATORS : ST_INDICATOR_ROWS);
    if (item_id)
        sqlite3_bind_int64(st, 1, item_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        jk_indicator_row row = {
            sqlite3_column_int64(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3),
            (size_t)sqlite3_column_int64(st, 4),
            (size_t)sqlite3_column_int64(st, 5),
        };
        if (!row.type || !row.value)
            continue; /* NOT NULL in the schema; a damaged file is not a crash */
        if (fn(ctx, &row))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? JK_OK
                                                       : db_error(s, err, "reading indicators");
    sqlite3_reset(st);
    return rc;
}

static uint32_t category_bits(const char *list)
{
    uint32_t bits = 0;
    while (list && *list) {
        const char *end = strchr(list, ',');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        jk_category c;
        if (jk_category_from_id(list, len, &c) == JK_OK)
            bits |= 1u << c;
        list = end ? end + 1 : NULL;
    }
    return bits;
}

static int sqlite_item_get(void *impl, int64_t id, const char *platform, const char *external_id,
                           bool with_text, jk_item_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, id ? ST_ITEM_BY_ID : ST_ITEM_BY_EXTERNAL);
    if (id) {
        sqlite3_bind_int64(st, 1, id);
    } else {
        bind_text(st, 3, platform);
        bind_text(st, 4, external_id);
    }
    sqlite3_bind_int(st, 2, with_text ? 1 : 0);
    int rc = JK_OK, step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        jk_item_row row = {
            sqlite3_column_int64(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3),
            (const char *)sqlite3_column_text(st, 4),
            (const char *)sqlite3_column_text(st, 5),
            (const char *)sqlite3_column_text(st, 6),
            (const char *)sqlite3_column_text(st, 7),
            (size_t)sqlite3_column_bytes(st, 7),
            category_bits((const char *)sqlite3_column_text(st, 8)),
        };
        fn(ctx, &row);
    } else if (step == SQLITE_DONE) {
        if (id)
            rc = jk_error_set(err, JK_ENOTFOUND, "no item %lld", (long long)id);
        else
            rc = jk_error_set(err, JK_ENOTFOUND, "no item %s:%s", platform, external_id);
    } else {
        rc = db_error(s, err, "reading an item");
    }
    sqlite3_reset(st);
    return rc;
}

/* ---- intel lists (issue 5) ---------------------------------------------- */

static int sqlite_intel_list_put(void *impl, const jk_intel_list_info *list, int64_t *list_id,
                                 int64_t *version, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_INTEL_LIST_PUT);
    bind_text(st, 1, list->name);
    bind_text(st, 2, list->format);
    bind_text(st, 3, list->category);
    bind_text(st, 4, list->match);
    bind_text(st, 5, list->source);
    int rc = run_step(s, st, err, "storing an intel list");
    if (rc)
        return rc;
    st = stmt(s, ST_INTEL_LIST_ID);
    bind_text(st, 1, list->name);
    if (sqlite3_step(st) != SQLITE_ROW)
        return db_error(s, err, "reading an intel list back");
    *list_id = sqlite3_column_int64(st, 0);
    *version = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    st = stmt(s, ST_INTEL_LIST_CLEAR);
    sqlite3_bind_int64(st, 1, *list_id);
    return run_step(s, st, err, "clearing an intel list's previous version");
}

static int sqlite_intel_entry_add(void *impl, int64_t list_id, const char *type,
                                  const char *value, const char *first_seen,
                                  const char *description, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_INTEL_ENTRY_ADD);
    sqlite3_bind_int64(st, 1, list_id);
    bind_text(st, 2, type);
    bind_text(st, 3, value);
    bind_text(st, 4, first_seen);
    bind_text(st, 5, description);
    return run_step(s, st, err, "storing an intel entry");
}

static int sqlite_intel_list_finish(void *impl, int64_t list_id, long skipped, long *entries,
                                    jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_INTEL_LIST_FINISH);
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_int64(st, 2, skipped);
    int rc = run_step(s, st, err, "counting an intel list");
    if (rc)
        return rc;
    st = stmt(s, ST_INTEL_LIST_ENTRIES);
    sqlite3_bind_int64(st, 1, list_id);
    *entries = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return JK_OK;
}

static int sqlite_intel_lists(void *impl, jk_intel_list_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_INTEL_LISTS);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        jk_intel_list_info l = {
            sqlite3_column_int64(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3),
            (const char *)sqlite3_column_text(st, 4),
            (const char *)sqlite3_column_text(st, 5),
            sqlite3_column_int64(st, 6),
            (const char *)sqlite3_column_text(st, 7),
            (long)sqlite3_column_int64(st, 8),
            (long)sqlite3_column_int64(st, 9),
        };
        if (fn(ctx, &l))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? JK_OK
                                                       : db_error(s, err, "listing intel lists");
    sqlite3_reset(st);
    return rc;
}

static int sqlite_intel_list_rm(void *impl, const char *name, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_INTEL_LIST_RM);
    bind_text(st, 1, name);
    int rc = run_step(s, st, err, "removing an intel list");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no intel list named \"%s\"", name);
    return rc;
}

static int sqlite_intel_entries(void *impl, jk_intel_entry_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_INTEL_ENTRIES);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 1);
        const char *value = (const char *)sqlite3_column_text(st, 2);
        if (!type || !value)
            continue;
        if (fn(ctx, sqlite3_column_int64(st, 0), type, value, (size_t)sqlite3_column_bytes(st, 2)))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? JK_OK
                                                       : db_error(s, err, "reading intel entries");
    sqlite3_reset(st);
    return rc;
}

static int sqlite_indicator_export(void *impl, bool confirmed_only, jk_indicator_export_fn fn,
                                   void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, confirmed_only ? ST_INDICATOR_EXPORT_CONFIRMED : ST_INDICATOR_EXPORT);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        jk_indicator_export_row row = {
            (const char *)sqlite3_column_text(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3),
            (long)sqlite3_column_int64(st, 4),
        };
        if (!row.type || !row.value)
            continue;
        if (fn(ctx, &row))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? JK_OK
                                                       : db_error(s, err, "exporting indicators");
    sqlite3_reset(st);
    return rc;
}

/* ---- Review workbench: accounts, sessions, queue, decisions, audit ---- */

static sqlite3_stmt *rv(sqlite_store *s, int which)
{
    sqlite3_stmt *st = s->review[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

typedef struct user_emit {
    jk_user_fn fn;
    void *ctx;
    int rows;
} user_emit;

static jk_user user_row(sqlite3_stmt *st, int first)
{
    jk_user u = {
        sqlite3_column_int64(st, first),     col_text(st, first + 1),
        col_text(st, first + 2),             col_text(st, first + 3),
        sqlite3_column_int(st, first + 4) != 0, col_text(st, first + 5),
    };
    return u;
}

static int emit_user(sqlite3_stmt *st, void *arg)
{
    user_emit *e = arg;
    e->rows++;
    jk_user u = user_row(st, 0);
    return e->fn(e->ctx, &u);
}

static int sqlite_user_add(void *impl, const char *name, const char *role,
                           const char *password_hash, int64_t *id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_USER_ADD);
    bind_text(st, 1, name);
    bind_text(st, 2, role);
    bind_text(st, 3, password_hash);
    if (sqlite3_step(st) != SQLITE_DONE) {
        if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
            return jk_error_set(err, JK_EINVAL, "an account named \"%s\" already exists", name);
        return db_error(s, err, "adding an account");
    }
    if (id)
        *id = sqlite3_last_insert_rowid(s->db);
    return JK_OK;
}

static int sqlite_user_get(void *impl, const char *name, jk_user_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_USER_GET);
    bind_text(st, 1, name);
    user_emit e = {fn, ctx, 0};
    int rc = each_row(s, st, emit_user, &e, err, "reading an account");
    if (!rc && e.rows == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no account named \"%s\"", name);
    return rc;
}

static int sqlite_user_list(void *impl, jk_user_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    user_emit e = {fn, ctx, 0};
    return each_row(s, rv(s, RV_USER_LIST), emit_user, &e, err, "listing accounts");
}

static int change_user(sqlite_store *s, sqlite3_stmt *st, const char *name, jk_error *err)
{
    int rc = run_step(s, st, err, "changing an account");
    if (rc)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return jk_error_set(err, JK_ENOTFOUND, "no account named \"%s\"", name);
    st = rv(s, RV_USER_SESSIONS_END);
    bind_text(st, 1, name);
    return run_step(s, st, err, "ending an account's sessions");
}

static int sqlite_user_set_password(void *impl, const char *name, const char *password_hash,
                                    jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_USER_PASSWD);
    bind_text(st, 1, name);
    bind_text(st, 2, password_hash);
    return change_user(s, st, name, err);
}

static int sqlite_user_disable(void *impl, const char *name, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_USER_DISABLE);
    bind_text(st, 1, name);
    return change_user(s, st, name, err);
}

static int sqlite_session_add(void *impl, const char *id_hash, int64_t user_id, const char *csrf,
                              int64_t expires_unix, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_SESSION_PURGE);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
    int rc = run_step(s, st, err, "purging expired sessions");
    if (rc)
        return rc;
    st = rv(s, RV_SESSION_ADD);
    bind_text(st, 1, id_hash);
    sqlite3_bind_int64(st, 2, user_id);
    bind_text(st, 3, csrf);
    sqlite3_bind_int64(st, 4, expires_unix);
    return run_step(s, st, err, "storing a session");
}

typedef struct session_emit {
    jk_session_fn fn;
    void *ctx;
    int rows;
} session_emit;

static int emit_session(sqlite3_stmt *st, void *arg)
{
    session_emit *e = arg;
    e->rows++;
    jk_session session = {col_text(st, 0), sqlite3_column_int64(st, 1), user_row(st, 2)};
    return e->fn(e->ctx, &session);
}

static int sqlite_session_get(void *impl, const char *id_hash, int64_t now_unix,
                              jk_session_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_SESSION_GET);
    bind_text(st, 1, id_hash);
    sqlite3_bind_int64(st, 2, now_unix);
    session_emit e = {fn, ctx, 0};
    int rc = each_row(s, st, emit_session, &e, err, "reading a session");
    if (!rc && e.rows == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no such session");
    return rc;
}

static int sqlite_session_delete(void *impl, const char *id_hash, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_SESSION_DELETE);
    bind_text(st, 1, id_hash);
    return run_step(s, st, err, "ending a session");
}

typedef struct item_emit {
    jk_review_item_fn fn;
    void *ctx;
    int rows;
} item_emit;

static int emit_item(sqlite3_stmt *st, void *arg)
{
    item_emit *e = arg;
    e->rows++;
    jk_review_item item = {
        sqlite3_column_int64(st, 0),
        col_text(st, 1),
        col_text(st, 2),
        col_text(st, 3),
        col_text(st, 4),
        col_text(st, 5),
        col_text(st, 6),
        col_text(st, 7),
        (size_t)sqlite3_column_bytes(st, 7),
        sqlite3_column_double(st, 8),
        col_text(st, 9),
        sqlite3_column_int64(st, 10),
    };
    return e->fn(e->ctx, &item);
}

static int sqlite_queue(void *impl, const jk_queue_filter *f, jk_review_item_fn fn, void *ctx,
                        jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_QUEUE);
    bind_text(st, 1, f->status ? f->status : "pending");
    sqlite3_bind_double(st, 2, f->min_score);
    bind_text(st, 3, f->category);
    bind_text(st, 4, f->source);
    bind_text(st, 5, f->platform);
    bind_text(st, 6, f->since);
    bind_text(st, 7, f->until);
    sqlite3_bind_int64(st, 8, f->limit ? (sqlite3_int64)f->limit : -1);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)f->offset);
    item_emit e = {fn, ctx, 0};
    return each_row(s, st, emit_item, &e, err, "reading the review queue");
}

static int sqlite_review_item_get(void *impl, int64_t id, jk_review_item_fn fn, void *ctx,
                                  jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_ITEM_GET);
    sqlite3_bind_int64(st, 1, id);
    item_emit e = {fn, ctx, 0};
    int rc = each_row(s, st, emit_item, &e, err, "reading an item");
    if (!rc && e.rows == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no item %lld", (long long)id);
    return rc;
}

typedef struct row_emit {
    void *fn;
    void *ctx;
} row_emit;

static int emit_detection(sqlite3_stmt *st, void *arg)
{
    row_emit *e = arg;
    jk_detection_row row = {col_text(st, 0), col_text(st, 1), sqlite3_column_double(st, 2),
                            col_text(st, 3), col_text(st, 4)};
    return ((jk_detection_fn)e->fn)(e->ctx, &row);
}

static int sqlite_item_detections(void *impl, int64_t item_id, jk_detection_fn fn, void *ctx,
                                  jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_DETECTIONS);
    sqlite3_bind_int64(st, 1, item_id);
    row_emit e = {(void *)fn, ctx};
    return each_row(s, st, emit_detection, &e, err, "reading detections");
}

static int sqlite_decision_add(void *impl, int64_t item_id, const jk_decision_row *d,
                               jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_ITEM_EXISTS);
    sqlite3_bind_int64(st, 1, item_id);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_DONE)
        return jk_error_set(err, JK_ENOTFOUND, "no item %lld", (long long)item_id);
    if (step != SQLITE_ROW)
        return db_error(s, err, "reading an item");
    st = rv(s, RV_DECISION_ADD);
    sqlite3_bind_int64(st, 1, item_id);
    bind_text(st, 2, d->decision);
    bind_text(st, 3, d->category);
    bind_text(st, 4, d->reason);
    bind_text(st, 5, d->user);
    return run_step(s, st, err, "storing a decision");
}

static int emit_decision(sqlite3_stmt *st, void *arg)
{
    row_emit *e = arg;
    jk_decision_row row = {col_text(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
                           col_text(st, 4)};
    return ((jk_decision_fn)e->fn)(e->ctx, &row);
}

static int sqlite_item_decisions(void *impl, int64_t item_id, jk_decision_fn fn, void *ctx,
                                 jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_DECISIONS);
    sqlite3_bind_int64(st, 1, item_id);
    row_emit e = {(void *)fn, ctx};
    return each_row(s, st, emit_decision, &e, err, "reading decisions");
}

static int emit_review_count(sqlite3_stmt *st, void *arg)
{
    row_emit *e = arg;
    jk_review_count row = {col_text(st, 0), col_text(st, 1), (long)sqlite3_column_int64(st, 2),
                           (long)sqlite3_column_int64(st, 3), (long)sqlite3_column_int64(st, 4)};
    return ((jk_review_count_fn)e->fn)(e->ctx, &row);
}

static int sqlite_review_stats(void *impl, jk_review_count_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    row_emit e = {(void *)fn, ctx};
    return each_row(s, rv(s, RV_STATS), emit_review_count, &e, err, "counting reviews");
}

static int sqlite_audit_last(void *impl, int64_t *id, char hash[65], jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_AUDIT_LAST);
    int step = sqlite3_step(st);
    int rc = JK_OK;
    *id = 0;
    memset(hash, '0', 64);
    hash[64] = '\0';
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        const char *h = col_text(st, 1);
        if (h && strlen(h) == 64)
            memcpy(hash, h, 64);
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, err, "reading the audit log");
    }
    sqlite3_reset(st);
    return rc;
}

static int sqlite_audit_insert(void *impl, const jk_audit_entry *e, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, RV_AUDIT_INSERT);
    sqlite3_bind_int64(st, 1, e->id);
    bind_text(st, 2, e->at);
    bind_text(st, 3, e->user);
    bind_text(st, 4, e->action);
    bind_text(st, 5, e->target);
    bind_text(st, 6, e->detail);
    bind_text(st, 7, e->prev_hash);
    bind_text(st, 8, e->hash);
    return run_step(s, st, err, "writing the audit log");
}

static int emit_audit(sqlite3_stmt *st, void *arg)
{
    row_emit *e = arg;
    jk_audit_entry entry = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                            col_text(st, 3),             col_text(st, 4), col_text(st, 5),
                            col_text(st, 6),             col_text(st, 7)};
    return ((jk_audit_fn)e->fn)(e->ctx, &entry);
}

static int sqlite_audit_walk(void *impl, bool ascending, size_t limit, size_t offset,
                             jk_audit_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = rv(s, ascending ? RV_AUDIT_ASC : RV_AUDIT_DESC);
    sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : -1);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)offset);
    row_emit e = {(void *)fn, ctx};
    return each_row(s, st, emit_audit, &e, err, "reading the audit log");
}

static int emit_evidence(sqlite3_stmt *st, void *arg)
{
    row_emit *e = arg;
    jk_evidence_row row = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                           col_text(st, 3), sqlite3_column_int64(st, 4)};
    return ((jk_evidence_fn)e->fn)(e->ctx, &row);
}

static int sqlite_evidence_list(void *impl, jk_evidence_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    row_emit e = {(void *)fn, ctx};
    return each_row(s, rv(s, RV_EVIDENCE_LIST), emit_evidence, &e, err, "reading evidence rows");
}

static int sqlite_evidence_add(void *impl, const jk_evidence_in *ev, int64_t *id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_EVIDENCE_ADD);
    bind_text(st, 1, ev->sha256);
    bind_text(st, 2, ev->path);
    bind_text(st, 3, ev->kind);
    bind_text(st, 4, ev->url);
    bind_id(st, 5, ev->item_id);
    bind_id(st, 6, ev->run_id);
    bind_id(st, 7, ev->source_id);
    sqlite3_bind_int64(st, 8, ev->size);
    bind_text(st, 9, ev->captured_at);
    bind_text(st, 10, ev->operator_);
    int rc = run_step(s, st, err, "recording evidence");
    if (rc)
        return rc;
    st = stmt(s, ST_EVIDENCE_FIND);
    bind_text(st, 1, ev->sha256);
    rc = find_id(s, st, id) ? JK_OK : db_error(s, err, "finding recorded evidence");
    sqlite3_reset(st);
    return rc;
}

static int sqlite_item_evidence(void *impl, int64_t item_id, int64_t evidence_id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_ITEM_EVIDENCE);
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_int64(st, 2, evidence_id);
    return run_step(s, st, err, "linking an item to its evidence");
}

static int sqlite_source_set_evidence(void *impl, int64_t source_id, bool keep, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_SOURCE_SET_EVIDENCE);
    sqlite3_bind_int64(st, 1, source_id);
    sqlite3_bind_int(st, 2, keep ? 1 : 0);
    int rc = run_step(s, st, err, "setting a source's evidence switch");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no source with id %lld", (long long)source_id);
    return rc;
}

static int sqlite_source_evidence(void *impl, int64_t source_id, bool *keep, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_SOURCE_EVIDENCE);
    sqlite3_bind_int64(st, 1, source_id);
    int step = sqlite3_step(st);
    int rc = JK_OK;
    if (step == SQLITE_ROW)
        *keep = sqlite3_column_int(st, 0) != 0;
    else if (step == SQLITE_DONE)
        rc = jk_error_set(err, JK_ENOTFOUND, "no source with id %lld", (long long)source_id);
    else
        rc = db_error(s, err, "reading a source's evidence switch");
    sqlite3_reset(st);
    return rc;
}

const struct jk_store_ops jk_store_sqlite_ops = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .schema_version = sqlite_schema_version,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .add_item = sqlite_add_item,
    .add_detection = sqlite_add_detection,
    .add_indicator = sqlite_add_indicator,
    .run_start = sqlite_run_start,
    .run_finish = sqlite_run_finish,
    .search = sqlite_search,
    .stats = sqlite_stats,
    .count_by = sqlite_count_by,
    .source_add = sqlite_source_add,
    .source_list = sqlite_source_list,
    .source_rm = sqlite_source_rm,
    .source_state = sqlite_source_state,
    .source_outcome = sqlite_source_outcome,
    /* campaigns (issue 5) */
    .indicator_rows = sqlite_indicator_rows,
    .item_get = sqlite_item_get,
    .intel_list_put = sqlite_intel_list_put,
    .intel_entry_add = sqlite_intel_entry_add,
    .intel_list_finish = sqlite_intel_list_finish,
    .intel_lists = sqlite_intel_lists,
    .intel_list_rm = sqlite_intel_list_rm,
    .intel_entries = sqlite_intel_entries,
    .indicator_export = sqlite_indicator_export,
    .user_add = sqlite_user_add,
    .user_get = sqlite_user_get,
    .user_list = sqlite_user_list,
    .user_set_password = sqlite_user_set_password,
    .user_disable = sqlite_user_disable,
    .session_add = sqlite_session_add,
    .session_get = sqlite_session_get,
    .session_delete = sqlite_session_delete,
    .queue = sqlite_queue,
    .review_item_get = sqlite_review_item_get,
    .item_detections = sqlite_item_detections,
    .decision_add = sqlite_decision_add,
    .item_decisions = sqlite_item_decisions,
    .review_stats = sqlite_review_stats,
    .audit_last = sqlite_audit_last,
    .audit_insert = sqlite_audit_insert,
    .audit_walk = sqlite_audit_walk,
    .evidence_add = sqlite_evidence_add,
    .item_evidence = sqlite_item_evidence,
    .source_set_evidence = sqlite_source_set_evidence,
    .source_evidence = sqlite_source_evidence,
    .evidence_list = sqlite_evidence_list,
    .cases = &jk_sqlite_case_ops,
    .capture = &jk_sqlite_capture_ops,
};
