// The review workbench in a real browser: playwright-core drives Debian's
// chromium (headless) against a running `junkai serve`. Run by ui_test.py:
//   node ui_test.mjs   with JK_URL, JK_PATROLLER, JK_SUPERVISOR ("name:password")
// Every screen is checked against what the API answers for the same session.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const URL_ = process.env.JK_URL.replace(/\/+$/, '');
const [patName, patPass] = process.env.JK_PATROLLER.split(':');
const [supName, supPass] = process.env.JK_SUPERVISOR.split(':');
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

  // ---- supervisor: dashboard ----
  await login(supName, supPass);
  assert(await page.isVisible('#nav-dashboard') && await page.isVisible('#nav-audit'), 'supervisor links shown');
  await page.click('#nav-dashboard');
  await page.waitForSelector('#stats-table');
  const counts = (await apiGet('/api/stats')).json.counts;
  const rows = await page.$$eval('#stats-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.category, tr.dataset.month,
    ...[...tr.querySelectorAll('td.num')].map((td) => Number(td.textContent))]));
  eq(rows, counts.map((c) => [c.category, c.month, c.found, c.confirmed, c.dismissed]), 'dashboard table = /api/stats');
  const totalConfirmed = counts.reduce((n, c) => n + c.confirmed, 0);
  eq(totalConfirmed, 2, 'two confirmed (c and bulk) in the stats');
  const bars = await page.$$eval('#stats-chart rect[data-kind="confirmed"]', (rs) => rs.reduce((n, r) => n + Number(r.dataset.value), 0));
  eq(bars, totalConfirmed, 'chart confirmed bars sum');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#stats-csv')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r\n/);
  eq(csv[0], 'category,month,found,confirmed,dismissed', 'CSV header');
  eq(csv.slice(1), counts.map((c) => [c.category, c.month, c.found, c.confirmed, c.dismissed].join(',')), 'CSV rows');
  step(`dashboard: ${counts.length} rows match /api/stats, CSV downloaded`);

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
