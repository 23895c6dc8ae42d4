// dashboard.js — statistics (supervisor and up): what was found, confirmed
// and dismissed (GET /api/stats) and what became of it (GET
// /api/stats/outcomes: reported and removed per category and month, and the
// median time to removal per category and per site operator's host). Each
// table has an inline SVG bar chart drawn here (no library) and a CSV
// download made in the browser (a Blob, nothing sent anywhere).
import { api } from './api.js';
import { t, category } from './i18n.js';
import { h, s } from './dom.js';
import { csvText, downloadText, fmtHours, refused } from './util.js';

const KINDS = ['found', 'confirmed', 'dismissed'];
const OUTCOMES = ['reported', 'removed'];
const MEDIANS = ['median_hours_found', 'median_hours_reported'];

export function csvOf(rows) {
  return csvText(['category', 'month', ...KINDS], rows.map((r) => [r.category, r.month, ...KINDS.map((k) => r[k] ?? 0)]));
}

// Horizontal bars: one group per entry ({key, label, values: {kind: n}}),
// one bar per kind, scaled to the largest value.
function barChart(id, groups, kinds, label, fmt = String) {
  const max = Math.max(1e-9, ...groups.flatMap((g) => kinds.map((k) => g.values[k] || 0)));
  const rowH = kinds.length * 14 + 12, labelW = 220, barW = 420, W = labelW + barW + 60;
  const H = Math.max(1, groups.length) * rowH + 30;
  const svg = s('svg', { id, class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': label });
  groups.forEach((g, i) => {
    const y0 = i * rowH + 4;
    svg.append(s('text', { x: labelW - 8, y: y0 + 6 + kinds.length * 7, 'text-anchor': 'end', class: 'label' }, g.label));
    kinds.forEach((k, j) => {
      const raw = g.values[k];
      const v = typeof raw === 'number' ? raw : 0;
      const w = Math.round((v / max) * barW);
      const y = y0 + j * 14;
      svg.append(s('rect', { x: labelW, y, width: Math.max(w, v ? 1 : 0), height: 12, class: 'bar bar-' + k,
                             'data-key': g.key, 'data-category': g.key, 'data-kind': k, 'data-value': typeof raw === 'number' ? raw : '' },
        s('title', {}, `${g.label} ${t('dash.' + k)}: ${typeof raw === 'number' ? fmt(raw) : '—'}`)));
      svg.append(s('text', { x: labelW + w + 4, y: y + 10, class: 'value' }, typeof raw === 'number' ? fmt(raw) : '—'));
    });
  });
  const ly = H - 10;
  kinds.forEach((k, j) => {
    svg.append(s('rect', { x: labelW + j * 170, y: ly - 10, width: 12, height: 12, class: 'bar bar-' + k }));
    svg.append(s('text', { x: labelW + j * 170 + 16, y: ly, class: 'legend' }, t('dash.' + k)));
  });
  return svg;
}

// Totals per category over the months.
function perCategory(rows, kinds) {
  const totals = new Map();
  for (const r of rows) {
    const tot = totals.get(r.category) || Object.fromEntries(kinds.map((k) => [k, 0]));
    for (const k of kinds) tot[k] += r[k] || 0;
    totals.set(r.category, tot);
  }
  return [...totals].map(([key, values]) => ({ key, label: category(key), values }));
}

function csvButton(id, name, text) {
  return h('button', { type: 'button', id, class: 'csv', text: t('dash.csv'), onclick: () => downloadText(name, text()) });
}

function section(id, title, ...children) {
  return h('section', { id, class: 'dash-section' }, h('h2', { text: title }), ...children);
}

function monthTable(id, rows, kinds) {
  return h('table', { id },
    h('thead', {}, h('tr', {}, h('th', { text: t('dash.category') }), h('th', { text: t('dash.month') }),
      kinds.map((k) => h('th', { text: t('dash.' + k) })))),
    h('tbody', {}, rows.map((row) => h('tr', { 'data-category': row.category, 'data-month': row.month },
      h('td', { text: category(row.category) }), h('td', { text: row.month }),
      kinds.map((k) => h('td', { class: 'num ' + k, text: String(row[k] ?? 0) }))))));
}

function removalSection(id, title, rows, keyName, keyLabel) {
  if (!rows.length) return section(id, title, h('p', { class: 'empty', text: t('dash.no_removals') }));
  const table = h('table', { id: id + '-table' },
    h('thead', {}, h('tr', {}, h('th', { text: t(keyName) }), OUTCOMES.map((k) => h('th', { text: t('dash.' + k) })),
      MEDIANS.map((k) => h('th', { text: t('dash.' + k) })))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-key': r.key },
      h('td', { text: keyLabel(r.key) }),
      OUTCOMES.map((k) => h('td', { class: 'num ' + k, text: String(r[k] ?? 0) })),
      MEDIANS.map((k) => h('td', { class: 'num ' + k, 'data-value': r[k] ?? '', text: fmtHours(r[k]) }))))));
  const csv = () => csvText(['key', ...OUTCOMES, ...MEDIANS], rows.map((r) => [r.key, r.reported, r.removed,
    ...MEDIANS.map((k) => (typeof r[k] === 'number' ? r[k].toFixed(2) : ''))]));
  const groups = rows.map((r) => ({ key: r.key, label: keyLabel(r.key), values: { median_hours_found: r.median_hours_found, median_hours_reported: r.median_hours_reported } }));
  return section(id, title, barChart(id + '-chart', groups, MEDIANS, title, fmtHours),
    h('div', { class: 'toolbar' }, csvButton(id + '-csv', `junkai-${id}.csv`, csv)), table);
}

export function dashboardView(root, app) {
  const body = h('div', { id: 'dashboard' });
  root.append(h('h1', { text: t('dash.title') }), body);
  (async () => {
    let r, o;
    try {
      [r, o] = await Promise.all([api('GET', '/api/stats'), api('GET', '/api/stats/outcomes')]);
    } catch (e) {
      body.append(refused(e));
      app.fail(e);
      return;
    }
    // found / confirmed / dismissed
    const rows = r.counts || [];
    const review = rows.length
      ? [barChart('stats-chart', perCategory(rows, KINDS), KINDS, t('dash.chart')),
         h('div', { class: 'toolbar' }, csvButton('stats-csv', 'junkai-stats.csv', () => csvOf(rows))),
         monthTable('stats-table', rows, KINDS)]
      : [h('p', { class: 'empty', text: t('dash.empty') })];
    // reported / removed
    const outs = o.outcomes || [];
    const outcome = outs.length
      ? [barChart('outcomes-chart', perCategory(outs, OUTCOMES), OUTCOMES, t('dash.outcomes')),
         h('div', { class: 'toolbar' }, csvButton('outcomes-csv', 'junkai-outcomes.csv',
           () => csvText(['category', 'month', ...OUTCOMES], outs.map((x) => [x.category, x.month, x.reported, x.removed])))),
         monthTable('outcomes-table', outs, OUTCOMES)]
      : [h('p', { class: 'empty', id: 'outcomes-empty', text: t('dash.no_outcomes') })];
    body.append(
      section('dash-review', t('dash.review'), ...review),
      section('dash-outcomes', t('dash.outcomes'), ...outcome),
      removalSection('removal-category', t('dash.by_category'), o.removal_by_category || [], 'dash.category', category),
      removalSection('removal-host', t('dash.by_host'), o.removal_by_host || [], 'dash.host', (k) => k));
    body.dataset.loaded = '1';
  })();
  return {};
}
