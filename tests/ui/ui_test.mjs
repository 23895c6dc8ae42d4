// The review workbench in a real browser: playwright-core drives Debian's
// chromium (headless) against a running `junkai serve`. Run by ui_test.py:
//   node ui_test.mjs   with JK_URL, JK_PATROLLER, JK_SUPERVISOR ("name:password")
// Every screen is checked against what the API answers for the same session.
// The path is a person's: log in, triage the demo patrol's queue (two pages),
// confirm into cases (automatic, a new one, one picked), work a case (items,
// linked posts, a note, its status), draft and download every report kind;
// the patroller is refused approval and the evidence package (UI and API);
// the supervisor approves and marks sent, downloads the package, reads the
// dashboard, queues a report for a loopback form destination, retries it
// after the patrol's send-due failed and sees it delivered; the rule try-out marks a text; the admin runs a source now.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const URL_ = process.env.JK_URL.replace(/\/+$/, '');
const [patName, patPass] = process.env.JK_PATROLLER.split(':');
const [supName, supPass] = process.env.JK_SUPERVISOR.split(':');
const [admName, admPass] = process.env.JK_ADMIN.split(':');
const EXTRA = Number(process.env.JK_EXTRA || 0);
const started = Date.now();
const step = (what) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${what}`);

function assert(cond, what) {
  if (!cond) throw new Error('assertion failed: ' + what);
}
function eq(a, b, what) {
  const sa = JSON.stringify(a), sb = JSON.stringify(b);
  if (sa !== sb) throw new Error(`${what}: got ${sa}, expected ${sb}`);
}

// The marked pieces of a post, from the API's byte spans, computed with
// Node's Buffer (not the page's code): overlapping spans merge into one mark.
function expectedMarks(item) {
  const bytes = Buffer.from(item.text, 'utf8');
  const spans = item.hits.flatMap((h) => h.spans).filter(([a, b]) => b > a)
    .map(([a, b]) => [Math.min(a, bytes.length), Math.min(b, bytes.length)]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged = [];
  for (const [a, b] of spans) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged.map(([a, b]) => bytes.subarray(a, b).toString('utf8'));
}

const browser = await chromium.launch({
  executablePath: process.env.JK_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
const context = await browser.newContext({ acceptDownloads: true, locale: 'ja-JP' });
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
// a refused request (401, 403) is logged by chromium as a console error: expected here
page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
page.setDefaultTimeout(10000);

// GET through the browser context's cookies: what the API says to this session
async function apiGet(path) {
  const r = await context.request.get(URL_ + path);
  return { status: r.status(), json: r.status() === 200 ? await r.json() : null };
}
// a write through the browser context's session, with its CSRF token
async function apiWrite(method, path, body) {
  const { csrf } = (await apiGet('/api/session')).json;
  const r = await context.request.fetch(URL_ + path, { method, data: body ?? {}, headers: { 'X-CSRF-Token': csrf } });
  return { status: r.status(), json: await r.json().catch(() => null) };
}
// click something that downloads; the file's bytes
async function downloaded(selector) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return readFileSync(await d.path());
}
// a notice link to the case a confirmation went into
// The notice of an earlier confirmation stays until the next one replaces
// it: clear it before the click whose notice is to be read.
async function clearNotice() {
  await page.evaluate(() => document.querySelector('#notice')?.replaceChildren());
}
async function noticeCase() {
  await page.waitForSelector('#notice a[id^="notice-case-"]');
  return Number((await page.getAttribute('#notice a[id^="notice-case-"]', 'id')).replace('notice-case-', ''));
}
async function openCase(id) {
  await page.evaluate((h) => { location.hash = h; }, `#/case/${id}`);
  await page.waitForFunction((id) => document.querySelector('#case')?.dataset.id === String(id) &&
    document.querySelector('#case').dataset.loaded, id);
}
// wait for the case page to reload after a write
async function caseReloaded(before) {
  await page.waitForFunction((b) => document.querySelector('#case')?.dataset.loaded !== b, before);
}
async function caseStamp() {
  return page.getAttribute('#case', 'data-loaded');
}
async function queueIds() {
  return [...await page.$$eval('#queue .item', (els) => els.map((e) => Number(e.dataset.id)))];
}
async function waitQueue(ids, what) {
  await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#queue .item')]
    .map((e) => Number(e.dataset.id))) === want, JSON.stringify(ids), { timeout: 10000 })
    .catch(async () => { throw new Error(`${what}: queue shows ${JSON.stringify(await queueIds())}, API ${JSON.stringify(ids)}`); });
}
async function login(name, pass) {
  await page.waitForSelector('#login-form');
  await page.fill('#login-user', name);
  await page.fill('#login-pass', pass);
  await page.click('#login-submit');
  await page.waitForSelector('#whoami:not([hidden])');
}

try {
  // ---- login, Japanese by default ----
  await page.goto(URL_);
  await page.waitForSelector('#login-form');
  eq(await page.getAttribute('html', 'lang'), 'ja', 'default language');
  eq(await page.textContent('#login-submit'), 'ログイン', 'login button label');
  await page.fill('#login-user', patName);
  await page.fill('#login-pass', 'not-the-password');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:not([hidden])');
  assert((await page.textContent('#login-error')).includes('パスワード'), 'wrong password is said so');
  await login(patName, patPass);
  step('patroller logged in');
  assert(await page.isHidden('#nav-dashboard') && await page.isHidden('#nav-audit'), 'patroller sees no supervisor links');

  // ---- the queue, in the API's order, with the spans marked ----
  let q = (await apiGet('/api/queue?limit=100')).json.items;
  assert(q.length >= 10, 'the demo queue has items: ' + q.length);
  await waitQueue(q.map((i) => i.id), 'queue order');
  for (const item of q) {
    const marks = await page.$$eval(`#item-${item.id} .text mark`, (els) => els.map((e) => e.textContent));
    eq(marks, expectedMarks(item), `marks of item ${item.id}`);
    eq(await page.textContent(`#item-${item.id} .text`), item.text, `text of item ${item.id}`);
  }
  const organ = q.find((i) => i.text.includes('腎臓売ります'));
  assert(organ, 'the demo has the organ-sale post');
  eq(await page.$$eval(`#item-${organ.id} .text mark`, (els) => els.map((e) => e.textContent)),
     ['腎臓売ります', '500万円'], 'marks of the organ-sale post');
  const emoji = q.find((i) => i.text.includes('❄️🧊'));
  assert(emoji, 'the demo has the post with emoji');
  const emojiMarks = await page.$$eval(`#item-${emoji.id} .text mark`, (els) => els.map((e) => e.textContent));
  assert(emojiMarks.some((m) => m.startsWith('❄')) && emojiMarks.includes('手押し'),
         'emoji post marks (multi-byte before and inside spans): ' + JSON.stringify(emojiMarks));
  assert((await page.textContent(`#item-${organ.id} .reasons`)).includes('trafficking.organ.sale'), 'reason shown');
  step(`queue: ${q.length} items, marks match the byte spans`);

  // ---- the queue past its first page of 100 ----
  const page2 = (await apiGet('/api/queue?limit=100&offset=100')).json.items;
  assert(q.length === 100 && page2.length >= 1, `the queue has a second page: ${page2.length}`);
  eq(await page.isDisabled('#page-prev'), true, 'no page before the first');
  await page.click('#page-next');
  await waitQueue(page2.map((i) => i.id), 'the second page');
  assert((await page.textContent('#queue-count')).includes('101'), 'the count says where the page starts');
  eq(await page.isDisabled('#page-next'), page2.length < 100, 'next page button');
  await page.click('#page-prev');
  await waitQueue(q.map((i) => i.id), 'back to the first page');
  step(`paging: second page of ${page2.length} matches offset=100`);

  // ---- reload: the session and its CSRF token come back from GET /api/session ----
  await page.reload();
  await page.waitForSelector('#whoami:not([hidden])');
  await waitQueue(q.map((i) => i.id), 'queue after reload');

  // ---- filter by category ----
  await page.selectOption('#f-category', 'drug_ad');
  await page.click('#f-apply');
  const drugs = (await apiGet('/api/queue?limit=100&category=drug_ad')).json.items;
  assert(drugs.length >= 3 && drugs.length < q.length, 'drug_ad filter narrows: ' + drugs.length);
  await waitQueue(drugs.map((i) => i.id), 'category filter');
  for (const it of drugs) assert(it.hits.some((h) => h.category === 'drug_ad'), `item ${it.id} is drug_ad`);
  step(`filter category=drug_ad: ${drugs.length} items`);

  // ---- keyboard: j, c confirms the second item as its top category ----
  await page.focus('body');
  await page.keyboard.press('j');
  eq(await page.getAttribute('#queue .item.current', 'data-id'), String(drugs[1].id), 'j moves to the second item');
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  const confirmed = drugs[1];
  await page.keyboard.press('c');
  await waitQueue(drugs.filter((i) => i.id !== confirmed.id).map((i) => i.id), 'after c');
  // d asks a reason and dismisses the (new) current item
  const left = drugs.filter((i) => i.id !== confirmed.id);
  const dismissed = left[1];
  eq(await page.getAttribute('#queue .item.current', 'data-id'), String(dismissed.id), 'current after confirm');
  await page.keyboard.press('d');
  await page.waitForSelector('#reason-dialog[open]');
  await page.fill('#reason', '広告ではない（報道の引用）');
  await page.click('#reason-ok');
  const rest = left.filter((i) => i.id !== dismissed.id);
  await waitQueue(rest.map((i) => i.id), 'after d');
  const ci = (await apiGet(`/api/items/${confirmed.id}`)).json;
  eq([ci.status, ci.decisions[0].decision, ci.decisions[0].category, ci.decisions[0].user],
     ['confirmed', 'confirm', 'drug_ad', patName], 'the API has the confirmation');
  assert(ci.case > 0, 'the confirmation filed the item into a case');
  const caseC = ci.case;
  const di = (await apiGet(`/api/items/${dismissed.id}`)).json;
  eq([di.status, di.decisions[0].decision, di.decisions[0].reason],
     ['dismissed', 'dismiss', '広告ではない（報道の引用）'], 'the API has the dismissal and its reason');
  const pending = (await apiGet('/api/queue?limit=500')).json.items.map((i) => i.id);
  assert(!pending.includes(confirmed.id) && !pending.includes(dismissed.id), 'both left the pending queue');
  step(`keyboard: confirmed #${confirmed.id}, dismissed #${dismissed.id}`);

  // ---- x selects; bulk confirm ----
  assert(rest.length >= 1, 'something left to bulk-confirm');
  const bulkId = Number(await page.getAttribute('#queue .item.current', 'data-id'));
  await page.keyboard.press('x');
  eq(await page.textContent('#selected-count'), '1 件選択', 'x selects');
  await page.click('#bulk-confirm');
  await waitQueue(rest.filter((i) => i.id !== bulkId).map((i) => i.id), 'after bulk confirm');
  eq((await apiGet(`/api/items/${bulkId}`)).json.status, 'confirmed', 'bulk confirm reached the API');

  // the status filter shows the decided ones
  await page.selectOption('#f-category', '');
  await page.selectOption('#f-status', 'confirmed');
  await page.click('#f-apply');
  const conf = (await apiGet('/api/queue?status=confirmed')).json.items.map((i) => i.id);
  assert(conf.includes(confirmed.id), 'confirmed listed by status');
  await waitQueue(conf, 'status=confirmed');

  // ---- confirming into a case: a new one, then that one picked ----
  await page.click('#f-reset');
  await waitQueue((await apiGet('/api/queue?limit=100')).json.items.map((i) => i.id), 'pending again');
  await page.waitForSelector('#case-pick[data-loaded]');
  await page.selectOption('#case-pick', 'new');
  await clearNotice();
  await page.click(`#item-${organ.id} button.confirm`);
  const caseA = await noticeCase();
  eq((await apiGet(`/api/items/${organ.id}`)).json.case, caseA, 'the organ-sale post went into the case the notice names');
  assert(caseA !== caseC, 'a new case, not the automatic one');
  await page.waitForSelector(`#case-pick option[value="${caseA}"]`, { state: 'attached' });
  await page.selectOption('#case-pick', String(caseA));
  await clearNotice();
  await page.click(`#item-${emoji.id} button.confirm`);
  eq(await noticeCase(), caseA, 'the notice names the picked case');
  eq((await apiGet(`/api/items/${emoji.id}`)).json.case, caseA, 'the emoji post went into the picked case');
  step(`confirmed into a new case #${caseA} and into it again by picking it`);

  // ---- the case page ----
  await page.click(`#notice-case-${caseA}`);
  await page.waitForFunction(() => document.querySelector('#case')?.dataset.loaded);
  let cv = (await apiGet(`/api/cases/${caseA}`)).json;
  eq(await page.$$eval('#case-items .item', (els) => els.map((e) => Number(e.dataset.id))), cv.items.map((i) => i.id), 'case items');
  for (const item of cv.items)
    eq(await page.$$eval(`#case-item-${item.id} .text mark`, (els) => els.map((e) => e.textContent)), expectedMarks(item),
       `marks of case item ${item.id}`);
  eq(await page.getAttribute('#case-status', 'data-status'), cv.case.status, 'case status shown');
  // posts sharing a contact point: listed as the API has them; one is added
  eq(await page.$$eval('#linked-table tbody tr', (trs) => trs.map((tr) => [Number(tr.dataset.item), tr.dataset.type])),
     cv.linked.map((l) => [l.item, l.type]), 'linked posts');
  const addable = cv.linked.find((l) => !l.case);
  assert(addable, 'a pending post shares the emoji post\'s LINE ID: ' + JSON.stringify(cv.linked));
  // the row says what the post says and how it was reviewed
  const addableItem = (await apiGet(`/api/items/${addable.item}`)).json;
  await page.waitForSelector(`#linked-table tr[data-item="${addable.item}"] .linked-status .status-${addableItem.status}`);
  assert(addableItem.text.startsWith((await page.textContent(`#linked-table tr[data-item="${addable.item}"] .linked-text`)).replace(/…$/, '')),
         'the linked post\'s text shown');
  let stamp = await caseStamp();
  await page.click(`#linked-table tr[data-item="${addable.item}"] button.add-linked`);
  await caseReloaded(stamp);
  await page.waitForSelector(`#case-item-${addable.item}`);
  eq((await apiGet(`/api/items/${addable.item}`)).json.case, caseA, 'the linked post was added to the case');
  // a note
  stamp = await caseStamp();
  await page.fill('#note-text', '同一の LINE ID（yasai_tokyo）を確認');
  await page.click('#note-add');
  await caseReloaded(stamp);
  cv = (await apiGet(`/api/cases/${caseA}`)).json;
  eq(cv.notes.map((n) => [n.user, n.text]), [[patName, '同一の LINE ID（yasai_tokyo）を確認']], 'the note in the API');
  eq(await page.$$eval('#notes-list .note-text', (els) => els.map((e) => e.textContent)), ['同一の LINE ID（yasai_tokyo）を確認'], 'the note shown');
  // the history shows what was done to the case
  const hist = await page.$$eval('#history-table tbody tr', (trs) => trs.map((tr) => tr.dataset.action));
  for (const a of ['case.open', 'case.item_add', 'case.items', 'case.note']) assert(hist.includes(a), `history has ${a}: ${hist}`);
  step(`case #${caseA}: ${cv.items.length} items marked, linked post #${addable.item} added, note kept`);

  // ---- reports: each kind drafted, read and downloaded ----
  for (const kind of ['ihc', 'police', 'deletion', 'warning']) {
    stamp = await caseStamp();
    await page.click(`#draft-${kind}`);
    await caseReloaded(stamp);
    await page.waitForSelector(`#reports-table tr.report[data-kind="${kind}"]`);
  }
  cv = (await apiGet(`/api/cases/${caseA}`)).json;
  const urls = cv.items.map((i) => i.url);
  eq((await page.$$eval('#reports-table tr.report', (trs) => trs.map((tr) => Number(tr.dataset.id)))).sort((a, b) => a - b),
     cv.reports.map((r) => r.id).sort((a, b) => a - b), 'reports listed as the API has them');
  // one report of each kind read back through its three downloads
  const firstOfKind = ['ihc', 'police', 'deletion', 'warning'].map((k) => cv.reports.find((r) => r.kind === k));
  for (const r of firstOfKind) {
    // headless chromium stops emitting downloads after ten from one
    // document (the 11th never starts): a fresh load of the page per report
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#case')?.dataset.loaded);
    const full = (await apiGet(`/api/reports/${r.id}`)).json.report;
    const covered = cv.items.filter((i) => full.items.includes(i.id)).map((i) => i.url);
    assert(covered.length >= 1, `report ${r.id} covers items`);
    const text = (await downloaded(`#report-${r.id} a.dl-text`)).toString('utf8');
    eq(text, full.body, `report ${r.id} (${r.kind}): the downloaded text is its body`);
    // a warning is the reply posted under the post itself: its text names no URL, its CSV row does
    if (r.kind !== 'warning')
      for (const u of covered) assert(text.includes(u), `report ${r.id} (${r.kind}) text names ${u}`);
    else assert(text.includes('警告'), 'the warning text warns');
    const csv = (await downloaded(`#report-${r.id} a.dl-csv`)).toString('utf8').replace(/^\uFEFF/, '').split('\r\n');
    assert(csv[0].split(',').includes('URL') && csv[0].split(',').length >= 3, `report ${r.id} CSV header row: ${csv[0]}`);
    for (const u of covered) assert(csv.slice(1).some((line) => line.includes(u)), `report ${r.id} CSV has a row for ${u}`);
    const pdf = await downloaded(`#report-${r.id} a.dl-pdf`);
    eq(pdf.subarray(0, 5).toString('latin1'), '%PDF-', `report ${r.id} PDF`);
  }
  const police = cv.reports.find((r) => r.kind === 'police');
  stamp = await caseStamp();
  await page.click(`#report-${police.id} button.view`);
  await caseReloaded(stamp);
  await page.waitForSelector(`#report-body-${police.id}`);
  eq(await page.textContent(`#report-body-${police.id}`), (await apiGet(`/api/reports/${police.id}`)).json.report.body, 'report text shown');
  step(`reports: ${cv.reports.length} drafted (ihc, police, deletion, warning); one of each downloaded as text, CSV and PDF`);

  // ---- a patroller may not approve or take the evidence package: the UI and the API refuse ----
  eq(await page.isDisabled(`#report-${police.id} button.approve`), true, 'approve disabled for the patroller');
  eq(await page.isDisabled('#case-package'), true, 'package disabled for the patroller');
  eq(await page.getAttribute('#case-package', 'href'), null, 'no package link for the patroller');
  eq((await apiWrite('POST', `/api/reports/${police.id}/approve`)).status, 403, 'approve refused by the API');
  eq((await apiGet(`/api/cases/${caseA}/package`)).status, 403, 'package refused by the API');
  eq((await apiGet(`/api/reports/${police.id}`)).json.report.status, 'draft', 'still a draft');
  step('patroller refused approval and the package (UI disabled, API 403)');

  // ---- moving a case along its transitions ----
  await openCase(caseC);
  for (const to of ['dismissed', 'new', 'confirmed']) {
    stamp = await caseStamp();
    await page.click(`#case-transitions button[data-status="${to}"]`);
    await caseReloaded(stamp);
    eq((await apiGet(`/api/cases/${caseC}`)).json.case.status, to, `case ${caseC} moved to ${to}`);
    eq(await page.getAttribute('#case-status', 'data-status'), to, `case ${caseC} shows ${to}`);
  }
  eq((await apiGet(`/api/cases/${caseC}`)).json.transitions.sort(),
     (await page.$$eval('#case-transitions button', (bs) => bs.map((b) => b.dataset.status))).sort(), 'the transitions offered');
  // the case list finds it
  await page.click('#nav-cases');
  await page.waitForSelector('#cases-table tbody tr');
  await page.selectOption('#c-status', 'confirmed');
  await page.click('#c-apply');
  const confirmedCases = (await apiGet('/api/cases?status=confirmed')).json.cases.map((c) => c.id);
  await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#cases-table tbody tr')].map((tr) => Number(tr.dataset.id))) === want,
    JSON.stringify(confirmedCases));
  assert(confirmedCases.includes(caseC) && confirmedCases.includes(caseA), 'both cases listed as confirmed');
  step(`case #${caseC} moved dismissed → new → confirmed; case list filtered`);

  // ---- the help overlay ----
  await page.focus('body');
  await page.keyboard.press('?');
  await page.waitForSelector('#help:not([hidden])');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#help', { state: 'hidden' });

  // ---- the intake desk: a tip scanned with the server's rules enters the queue ----
  await page.click('#nav-tip');
  await page.waitForSelector('#tip-form');
  await page.fill('#tip-url', 'https://shop.example/yasai');
  await page.fill('#tip-note', '手押し 野菜あります テレグラムで連絡');
  await page.fill('#tip-contact', '通報者 090-0000-0000');
  await page.click('#tip-submit');
  await page.waitForSelector('#tip-result.ok:not([hidden])');
  eq(await page.getAttribute('#tip-result', 'data-hits'), 'true', 'the tip hit rules');
  const tipId = Number(await page.getAttribute('#tip-result', 'data-id'));
  const tipItem = (await apiGet(`/api/items/${tipId}`)).json;
  eq([tipItem.platform, tipItem.url, tipItem.author, tipItem.status],
     ['tip', 'https://shop.example/yasai', '通報者 090-0000-0000', 'pending'], 'the tip as the API has it');
  assert(tipItem.hits.some((x) => x.category === 'drug_ad'), 'the tip was scanned');
  await page.click('#nav-queue');
  await page.waitForSelector('#f-reset');
  await page.click('#f-reset'); // the filters are kept between screens: back to pending
  await page.waitForSelector(`#item-${tipId} .text mark`);
  step(`tip registered as item #${tipId}, in the queue`);

  // ---- supervisor screens refused for the patroller: the UI says so, the API said 403 ----
  for (const [hash, api] of [['#/dashboard', '/api/stats'], ['#/audit', '/api/audit/verify']]) {
    const resp = page.waitForResponse((r) => r.url().endsWith(api));
    await page.evaluate((h) => { location.hash = h; }, hash);
    eq((await resp).status(), 403, `${api} for the patroller`);
    await page.waitForSelector('#refused');
    assert((await page.textContent('#refused')).includes('403'), 'the refusal names 403');
    assert(await page.isVisible('#notice.error'), 'the notice shows the refusal');
  }
  step('dashboard and audit refused for the patroller');

  // ---- logout ----
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  eq((await apiGet('/api/session')).status, 401, 'the session ended on the server');

  // ---- supervisor: approve, mark sent, the evidence package ----
  await login(supName, supPass);
  assert(await page.isVisible('#nav-dashboard') && await page.isVisible('#nav-audit'), 'supervisor links shown');
  await openCase(caseA);
  stamp = await caseStamp();
  await page.click(`#report-${police.id} button.approve`);
  await caseReloaded(stamp);
  await page.waitForSelector(`#report-${police.id}[data-status="approved"]`);
  stamp = await caseStamp();
  await page.click(`#report-${police.id} button.mark-sent`);
  await caseReloaded(stamp);
  await page.waitForSelector(`#report-${police.id}[data-status="sent"]`);
  const sentReport = (await apiGet(`/api/reports/${police.id}`)).json.report;
  eq([sentReport.status, sentReport.approved_by, sentReport.sent_by], ['sent', supName, supName], 'approved and sent by the supervisor');
  eq(await page.getAttribute(`#report-${police.id} time.sent-at`, 'datetime'), sentReport.sent_at, 'the sent date shown');
  assert(/^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(await page.textContent(`#report-${police.id} time.sent-at`)), 'a readable date');
  eq(await page.getAttribute('#case-status', 'data-status'), 'reported', 'the case is reported');
  assert((await page.$$eval('#removals-table tbody tr', (trs) => trs.length)) === cv.items.length, 'a removal check per reported item');
  const pkg = await downloaded('#case-package');
  eq([pkg[0], pkg[1]], [0x1f, 0x8b], 'the evidence package is a gzip file');
  step(`supervisor approved and sent report #${police.id} (${sentReport.sent_at}); package downloaded`);

  // ---- supervisor: dashboard ----
  await page.click('#nav-dashboard');
  await page.waitForSelector('#stats-table');
  const counts = (await apiGet('/api/stats')).json.counts;
  const rows = await page.$$eval('#stats-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.category, tr.dataset.month,
    ...[...tr.querySelectorAll('td.num')].map((td) => Number(td.textContent))]));
  eq(rows, counts.map((c) => [c.category, c.month, c.found, c.confirmed, c.dismissed]), 'dashboard table = /api/stats');
  const totalConfirmed = counts.reduce((n, c) => n + c.confirmed, 0);
  eq(totalConfirmed, 5, 'five confirmed (c, bulk, new case, picked case, linked) in the stats');
  const bars = await page.$$eval('#stats-chart rect[data-kind="confirmed"]', (rs) => rs.reduce((n, r) => n + Number(r.dataset.value), 0));
  eq(bars, totalConfirmed, 'chart confirmed bars sum');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#stats-csv')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r\n/);
  eq(csv[0], 'category,month,found,confirmed,dismissed', 'CSV header');
  eq(csv.slice(1), counts.map((c) => [c.category, c.month, c.found, c.confirmed, c.dismissed].join(',')), 'CSV rows');
  const out = (await apiGet('/api/stats/outcomes')).json;
  eq(await page.$$eval('#outcomes-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.category, tr.dataset.month,
    ...[...tr.querySelectorAll('td.num')].map((td) => Number(td.textContent))])),
     out.outcomes.map((o) => [o.category, o.month, o.reported, o.removed]), 'outcomes table = /api/stats/outcomes');
  eq(out.outcomes.reduce((n, o) => n + o.reported, 0), cv.items.length, 'the reported items counted');
  for (const [id, rows] of [['removal-category', out.removal_by_category], ['removal-host', out.removal_by_host]])
    eq(await page.$$eval(`#${id}-table tbody tr`, (trs) => trs.map((tr) => [tr.dataset.key,
      Number(tr.querySelector('td.reported').textContent), Number(tr.querySelector('td.removed').textContent)])),
       rows.map((r) => [r.key, r.reported, r.removed]), `${id} table = the API`);
  assert(out.removal_by_host.some((r) => r.key === 'x.com'), 'the organ-sale post\'s host is listed');
  const outCsv = (await downloaded('#outcomes-csv')).toString('utf8').trim().split(/\r\n/);
  eq(outCsv, ['category,month,reported,removed', ...out.outcomes.map((o) => [o.category, o.month, o.reported, o.removed].join(','))], 'outcomes CSV');
  const hostCsv = (await downloaded('#removal-host-csv')).toString('utf8').trim().split(/\r\n/);
  eq(hostCsv.length, out.removal_by_host.length + 1, 'host CSV rows');
  eq(await page.$$eval('#outcomes-chart rect[data-kind="reported"]', (rs) => rs.reduce((n, r) => n + Number(r.dataset.value), 0)),
     cv.items.length, 'outcomes chart reported bars sum');
  step(`dashboard: ${counts.length} rows match /api/stats; outcomes and removal tables match /api/stats/outcomes; CSVs`);

  // ---- the rule try-out marks a text ----
  await page.click('#nav-rules');
  await page.waitForSelector('#packs-table tbody tr');
  const rulesApi = (await apiGet('/api/rules')).json;
  eq(await page.$$eval('#rules-table tbody tr', (trs) => trs.length), rulesApi.rules.length, 'every rule listed');
  const tryText = 'ﾔｻｲ あります、都内手押し即日 LINE: yasai_tokyo';
  await page.fill('#try-text', tryText);
  await page.click('#try-submit');
  await page.waitForSelector('#try-marked mark');
  const tried = (await apiWrite('POST', '/api/rules/try', { text: tryText })).json;
  eq(await page.$$eval('#try-marked mark', (els) => els.map((e) => e.textContent)), expectedMarks({ text: tryText, hits: tried.hits }),
     'try-out marks = the API\'s spans');
  eq(await page.$$eval('#try-hits tbody tr', (trs) => trs.map((tr) => tr.dataset.rule)), tried.hits.map((x) => x.rule), 'try-out hits');
  eq(await page.$$eval('#try-indicators-marked mark', (els) => els.map((e) => e.textContent)), ['yasai_tokyo'], 'the LINE ID marked');
  step(`rule try-out: ${tried.hits.length} rules hit, marks match`);

  // ---- supervisor: audit ----
  await page.click('#nav-audit');
  await page.waitForSelector('#audit-table tbody tr');
  eq(await page.getAttribute('#audit-verify', 'data-ok'), 'true', 'the chain verifies');
  const audit = await page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => [
    tr.querySelector('.user').textContent, tr.querySelector('.action').textContent, tr.querySelector('.target').textContent]));
  for (const [action, id] of [['decision.confirm', confirmed.id], ['decision.dismiss', dismissed.id], ['decision.confirm', bulkId]])
    assert(audit.some(([u, a, t]) => u === patName && a === action && t === `item:${id}`), `audit shows ${action} item:${id} by ${patName}`);
  const v = (await apiGet('/api/audit/verify')).json;
  assert(v.ok && (await page.textContent('#audit-verify')).includes(String(v.checked)), 'verify count shown');
  step('audit: decisions listed, chain verified');

  // ---- supervisor: an approved report queued for a destination; the patrol sends it ----
  // junkai.yaml (written by ui_test.py) names ihc-form, an http_form on a
  // loopback form server that refuses the first request (422) and takes the
  // second, and police-api, which takes no IHC reports.
  await openCase(caseA);
  const ihc = cv.reports.find((r) => r.kind === 'ihc');
  stamp = await caseStamp();
  await page.click(`#report-${ihc.id} button.approve`);
  await caseReloaded(stamp);
  await page.waitForSelector(`#report-${ihc.id}[data-status="approved"] .submit-control select:not([disabled])`);
  const dests = (await apiGet('/api/destinations')).json.destinations;
  eq(dests.map((d) => d.name), ['ihc-form', 'police-api'], 'the destinations of junkai.yaml');
  eq(await page.$$eval(`#report-${ihc.id} select.submit-dest option`, (os) => os.map((o) => o.value)),
     dests.filter((d) => d.kinds.includes('ihc')).map((d) => d.name), 'only the destinations that take an IHC report offered');
  assert((await page.textContent(`#report-${ihc.id} select.submit-dest`)).includes(dests[0].host), 'the option names the host');
  await page.selectOption(`#report-${ihc.id} select.submit-dest`, 'ihc-form');
  stamp = await caseStamp();
  await page.click(`#report-${ihc.id} button.submit`);
  await caseReloaded(stamp);
  assert((await page.textContent('#notice.ok')).includes('巡回'), 'the notice says the patrol sends it');
  await page.waitForSelector(`#report-${ihc.id} td.submission[data-state="queued"]`);
  eq([(await apiGet(`/api/reports/${ihc.id}`)).json.report.submit_state, await page.isDisabled(`#report-${ihc.id} button.mark-sent`)],
     ['queued', true], 'queued; not to be marked sent by hand meanwhile');
  const sendDue = () => {
    const p = spawnSync(process.env.JK_BIN, ['report', 'send-due', '--data', process.env.JK_DATA], { encoding: 'utf8', timeout: 60000 });
    return { status: p.status, out: p.stdout + p.stderr };
  };
  let sd = sendDue();
  assert(sd.status === 1 && sd.out.includes('1 failed'), 'the first attempt is refused (422): ' + sd.out);
  // while the submission is under way the page asks again by itself: the
  // failure shows up without a reload
  await page.waitForSelector(`#report-${ihc.id} td.submission[data-state="failed"]`, { timeout: 15000 });
  assert(await page.$eval('#case', (b) => Number(b.dataset.reportsRefreshed || 0) > 0),
         'the reports section was redrawn in place, not the page reloaded');
  let rep = (await apiGet(`/api/reports/${ihc.id}`)).json.report;
  eq(await page.textContent(`#report-${ihc.id} .submit-error`), rep.last_error, 'the last error shown');
  assert(rep.last_error.includes('422'), 'the error names the answer: ' + rep.last_error);
  eq(await page.getAttribute(`#report-${ihc.id} .submit-attempts`, 'data-n'), '1', 'one attempt');
  await page.waitForSelector(`#submissions-${ihc.id} tr.attempt[data-outcome="failed"]`);
  eq(await page.isDisabled(`#report-${ihc.id} button.resolve-retry`), false, 'retry offered');
  eq(await page.isDisabled(`#report-${ihc.id} button.resolve-drop`), false, 'drop offered');
  stamp = await caseStamp();
  await page.click(`#report-${ihc.id} button.resolve-retry`);
  await caseReloaded(stamp);
  await page.waitForSelector(`#report-${ihc.id} td.submission[data-state="queued"]`);
  assert((await page.textContent('#notice.ok')).includes('巡回'), 'the retry notice says the patrol sends it');
  sd = sendDue();
  assert(sd.status === 0 && sd.out.includes('1 delivered'), 'the retry is delivered: ' + sd.out);
  await page.reload();
  await page.waitForSelector(`#report-${ihc.id}[data-status="sent"] td.submission[data-state="delivered"]`);
  await page.waitForSelector(`#submissions-${ihc.id} tr.attempt[data-outcome="delivered"]`);
  rep = (await apiGet(`/api/reports/${ihc.id}`)).json.report;
  eq([rep.status, rep.sent_via, rep.submit_state, rep.attempts], ['sent', 'ihc-form', 'delivered', 2], 'sent through ihc-form');
  eq(await page.$$eval(`#submissions-${ihc.id} tr.attempt`, (trs) => trs.map((tr) => [Number(tr.cells[0].textContent), tr.dataset.outcome])),
     rep.submissions.map((x) => [x.attempt, x.outcome]), 'the attempts as the API lists them');
  eq(rep.submissions.map((x) => x.outcome), ['failed', 'delivered'], 'failed, then delivered');
  eq(await page.getAttribute(`#report-${ihc.id} time.sent-at`, 'datetime'), rep.sent_at, 'the sent date shown');
  assert((await page.textContent(`#report-${ihc.id} td.sent`)).includes('(ihc-form)'), 'sent via the destination');
  const evid = await page.getAttribute(`#submissions-${ihc.id} tr.attempt[data-outcome="delivered"] a.evidence-link`, 'href');
  const warc = await context.request.get(URL_ + evid);
  eq([warc.status(), [...(await warc.body()).subarray(0, 2)]], [200, [0x1f, 0x8b]],
     'the delivered attempt\'s exchange is kept as evidence (a gzipped WARC)');
  assert(await page.isHidden(`#report-${ihc.id} .submit-control`) && await page.isHidden(`#report-${ihc.id} button.resolve-retry`),
         'nothing more to submit or resolve');
  step(`report #${ihc.id} queued for ihc-form in the UI; send-due: refused (422), retried from the UI, delivered`);
  // the audit log again (the language switch below is checked there), the
  // submission's entries in it
  await page.click('#nav-audit');
  await page.waitForSelector('#audit-table tbody tr');
  const subAudit = await page.$$eval('#audit-table tbody tr', (trs, target) => trs.filter((tr) =>
    tr.querySelector('.target').textContent === target).map((tr) => [tr.querySelector('.user').textContent,
    tr.querySelector('.action').textContent]).reverse(), `report:${ihc.id}`);
  eq(subAudit.filter(([u]) => u === supName).map(([, a]) => a), ['report.approve', 'report.queue', 'report.resolve'],
     'the supervisor\'s approval, queueing and retry audited');
  for (const a of ['report.submit.start', 'report.submit.failed', 'report.submit.delivered'])
    assert(subAudit.some(([, x]) => x === a), `the sender's ${a} audited: ${JSON.stringify(subAudit)}`);

  // ---- English and back ----
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  eq(await page.textContent('#nav-queue'), 'Queue', 'English nav');
  await page.waitForSelector('#audit-verify.ok');
  assert((await page.textContent('#audit-verify')).includes('hash chain holds'), 'English audit verdict');
  await page.click('#nav-queue');
  await page.waitForSelector('#queue');
  eq(await page.textContent('#f-apply'), 'Filter', 'English queue');
  await page.selectOption('#lang', 'ja');
  await page.waitForFunction(() => document.documentElement.lang === 'ja');
  eq(await page.textContent('#nav-queue'), 'キュー', 'back to Japanese');
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  step('language switched to English and back; logged out');

  // ---- admin: run a source now ----
  await login(admName, admPass);
  await page.click('#nav-sources');
  await page.waitForSelector('#sources-table tr[data-name="extra-posts"]');
  await page.click('#sources-table tr[data-name="extra-posts"] button.run-now');
  await page.waitForSelector('#sources-table tr[data-name="extra-posts"] td.run[data-state="done"]', { timeout: 30000 });
  const src = (await apiGet('/api/sources')).json.sources.find((x) => x.name === 'extra-posts');
  eq([src.run.state, src.run.user, src.last_result.fresh, src.last_result.seen], ['done', admName, 0, EXTRA], 'the run as the API has it');
  eq([src.last_ok, src.last_outcome, src.failures], [true, src.last_result.outcome, 0], 'the source records how its run ended');
  eq(await page.textContent('#sources-table tr[data-name="extra-posts"] td.last-result .outcome'), src.last_outcome,
     'the outcome shown');
  eq(await page.getAttribute('#sources-table tr[data-name="extra-posts"] td.last-result', 'data-ok'), 'true',
     'shown as a success');
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  step(`admin ran extra-posts now: ${src.last_result.outcome}`);

  eq(errors, [], 'no page errors');
  console.log(`ui_test: ok (${((Date.now() - started) / 1000).toFixed(1)}s)`);
} catch (e) {
  console.error(e.stack || String(e));
  await page.screenshot({ path: process.env.JK_SCREENSHOT || 'ui_test_failure.png', fullPage: true }).catch(() => {});
  console.error('page errors:', errors);
  process.exitCode = 1;
} finally {
  await browser.close();
}
