// dashboard.js — GET /api/stats (supervisor and up) as a table, an inline
// SVG bar chart per category drawn here (no library) and a CSV download of
// the table made in the browser (a Blob, nothing sent anywhere).
import { api } from './api.js';
import { t, category } from './i18n.js';
import { h, s } from './dom.js';

const KINDS = ['found', 'confirmed', 'dismissed'];

export function csvOf(rows) {
  const cell = (v) => {
    const str = String(v ?? '');
    return /[",\r\n]/.test(str) ? '"' + str.replace(/"/g, '""') + '"' : str;
  };
  const lines = [['category', 'month', ...KINDS].join(',')];
  for (const r of rows) lines.push([r.category, r.month, ...KINDS.map((k) => r[k] ?? 0)].map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}

function chart(rows) {
  const totals = new Map();
  for (const r of rows) {
    const tot = totals.get(r.category) || { found: 0, confirmed: 0, dismissed: 0 };
    for (const k of KINDS) tot[k] += r[k] || 0;
    totals.set(r.category, tot);
  }
  const cats = [...totals.keys()];
  const max = Math.max(1, ...[...totals.values()].flatMap((v) => KINDS.map((k) => v[k])));
  const rowH = 3 * 14 + 12, labelW = 220, barW = 420, W = labelW + barW + 50;
  const H = Math.max(1, cats.length) * rowH + 30;
  const svg = s('svg', { id: 'stats-chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
                        'aria-label': t('dash.chart') });
  cats.forEach((c, i) => {
    const y0 = i * rowH + 4;
    svg.append(s('text', { x: labelW - 8, y: y0 + 24, 'text-anchor': 'end', class: 'label' }, category(c)));
    KINDS.forEach((k, j) => {
      const v = totals.get(c)[k];
      const w = Math.round((v / max) * barW);
      const y = y0 + j * 14;
      svg.append(s('rect', { x: labelW, y, width: Math.max(w, v ? 1 : 0), height: 12, class: 'bar bar-' + k,
                             'data-category': c, 'data-kind': k, 'data-value': v },
        s('title', {}, `${category(c)} ${t('dash.' + k)}: ${v}`)));
      svg.append(s('text', { x: labelW + w + 4, y: y + 10, class: 'value' }, String(v)));
    });
  });
  const ly = H - 10;
  KINDS.forEach((k, j) => {
    svg.append(s('rect', { x: labelW + j * 120, y: ly - 10, width: 12, height: 12, class: 'bar bar-' + k }));
    svg.append(s('text', { x: labelW + j * 120 + 16, y: ly, class: 'legend' }, t('dash.' + k)));
  });
  return svg;
}

export function dashboardView(root, app) {
  const body = h('div', { id: 'dashboard' });
  root.append(h('h1', { text: t('dash.title') }), body);
  (async () => {
    let r;
    try {
      r = await api('GET', '/api/stats');
    } catch (e) {
      body.append(h('p', { class: 'refused', id: 'refused', text: e.status === 403 ? t('refused', { message: e.message }) : e.message }));
      app.fail(e);
      return;
    }
    const rows = r.counts || [];
    if (!rows.length) {
      body.append(h('p', { class: 'empty', text: t('dash.empty') }));
      return;
    }
    const table = h('table', { id: 'stats-table' },
      h('thead', {}, h('tr', {}, h('th', { text: t('dash.category') }), h('th', { text: t('dash.month') }),
        KINDS.map((k) => h('th', { text: t('dash.' + k) })))),
      h('tbody', {}, rows.map((row) => h('tr', { 'data-category': row.category, 'data-month': row.month },
        h('td', { text: category(row.category) }), h('td', { text: row.month }),
        KINDS.map((k) => h('td', { class: 'num ' + k, text: String(row[k] ?? 0) }))))));
    const dl = h('button', { type: 'button', id: 'stats-csv', text: t('dash.csv'), onclick: () => {
      const url = URL.createObjectURL(new Blob([csvOf(rows)], { type: 'text/csv;charset=utf-8' }));
      const a = h('a', { href: url, download: 'junkai-stats.csv' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } });
    body.append(chart(rows), h('div', { class: 'toolbar' }, dl), table);
  })();
  return {};
}
