// audit.js — the audit log (GET /api/audit, newest first) and whether its
// hash chain holds (GET /api/audit/verify); supervisor and up.
import { api, query } from './api.js';
import { t } from './i18n.js';
import { h } from './dom.js';

const PAGE = 200;

export function auditView(root, app) {
  const verdict = h('p', { id: 'audit-verify', class: 'verify' });
  const body = h('div', { id: 'audit' });
  let offset = 0;
  const more = h('button', { type: 'button', id: 'audit-more', hidden: true, text: t('audit.more'), onclick: () => page() });
  const tbody = h('tbody');
  root.append(h('h1', { text: t('audit.title') }), verdict, body);

  async function page() {
    const r = await api('GET', '/api/audit' + query({ limit: PAGE, offset }));
    const entries = r.entries || [];
    offset += entries.length;
    for (const e of entries)
      tbody.append(h('tr', { 'data-id': String(e.id), 'data-action': e.action },
        h('td', { class: 'num', text: String(e.id) }),
        h('td', { text: e.at }),
        h('td', { class: 'user', text: e.user }),
        h('td', { class: 'action', text: e.action }),
        h('td', { class: 'target', text: e.target || '' }),
        h('td', {}, h('code', { text: e.detail === null || e.detail === undefined || e.detail === '' ? '' : JSON.stringify(e.detail) })),
        h('td', {}, h('code', { class: 'hash', title: e.hash, text: (e.hash || '').slice(0, 12) }))));
    more.hidden = entries.length < PAGE;
  }

  (async () => {
    try {
      const v = await api('GET', '/api/audit/verify');
      verdict.textContent = v.ok
        ? t('audit.ok', { n: v.checked })
        : t('audit.broken', { id: v.bad_entry ?? '?', problem: v.problem || '', n: v.checked });
      verdict.className = 'verify ' + (v.ok ? 'ok' : 'bad');
      verdict.dataset.ok = String(!!v.ok);
      body.append(h('table', { id: 'audit-table' },
        h('thead', {}, h('tr', {}, ['id', 'at', 'user', 'action', 'target', 'detail', 'hash'].map((k) => h('th', { text: t('audit.' + k) })))),
        tbody), more);
      await page();
    } catch (e) {
      verdict.remove();
      body.append(h('p', { class: 'refused', id: 'refused', text: e.status === 403 ? t('refused', { message: e.message }) : e.message }));
      app.fail(e);
    }
  })();
  return {};
}
