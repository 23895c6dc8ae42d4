// case.js — one case (GET /api/cases/{id}): what it is (title, category,
// status moved along the transitions the API offers, assignee), its items
// with the matched spans marked, posts linked to them by a shared contact
// point (each can be added), evidence files, reports (drafted per kind,
// read, downloaded as text / CSV / PDF; approved and marked sent by a
// supervisor, or queued for a destination of junkai.yaml — the patrol
// sends it — with its submission's state and attempts, and retried or
// dropped when it failed or is uncertain), the evidence package
// (supervisor), removal checks, notes and the case's history (its audit
// entries). Every change reloads the case from the API, so the page shows
// what the server holds; while a submission is under way its state is
// asked for again every few seconds.
import { api } from './api.js';
import { t, category } from './i18n.js';
import { h } from './dom.js';
import { CATEGORIES } from './queue.js';
import { caseStatus } from './cases.js';
import { itemMeta, itemText, itemWhy, indicatorLabel } from './itemcard.js';
import { timeEl, fmtBytes, refused, idArg } from './util.js';

export const REPORT_KINDS = ['ihc', 'police', 'deletion', 'warning'];

function section(id, title, ...children) {
  return h('section', { id, class: 'case-section' }, h('h2', { text: title }), ...children);
}

function table(id, cols, rows) {
  return h('table', { id },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { text: c })))),
    h('tbody', {}, rows));
}

export function caseView(root, app, arg) {
  const id = idArg(arg);
  const title = h('h1', { id: 'case-heading', text: t('case.title', { id: id ?? '?' }) });
  const body = h('div', { id: 'case', 'data-id': String(id ?? '') });
  root.append(title, body);
  if (!id) {
    body.append(h('p', { class: 'refused', id: 'refused', text: t('case.bad_id') }));
    return {};
  }
  const supervisor = app.hasRole('supervisor');
  const openBodies = new Set(); // reports whose text is shown
  // where approved reports can be submitted (GET /api/destinations, for
  // supervisors; the server reads junkai.yaml at start, so once per page)
  const destinations = supervisor
    ? api('GET', '/api/destinations').then((r) => r.destinations || []).catch((e) => { app.fail(e); return []; })
    : Promise.resolve([]);

  async function write(method, path, payload, message) {
    try {
      const r = await api(method, path, payload);
      if (message) app.notify(typeof message === 'function' ? message(r) : message, 'ok');
      await load();
      return r;
    } catch (e) {
      app.fail(e);
      return null;
    }
  }

  // ---- what the case is ----
  function summary(d) {
    const c = d.case;
    const titleIn = h('input', { id: 'case-title', name: 'title', maxlength: '300', value: c.title, required: true });
    const catIn = h('select', { id: 'case-category', name: 'category' },
      CATEGORIES.map((x) => h('option', { value: x, text: category(x) })));
    catIn.value = c.category;
    const assignIn = h('input', { id: 'case-assignee', name: 'assignee', maxlength: '64', value: c.assignee || '',
                                  placeholder: t('cases.nobody') });
    const form = h('form', { id: 'case-edit', class: 'filters' },
      h('label', {}, h('span', { text: t('case.name') }), titleIn),
      h('label', {}, h('span', { text: t('filter.category') }), catIn),
      h('label', {}, h('span', { text: t('case.assignee') }), assignIn),
      h('button', { type: 'button', id: 'case-assign-me', text: t('case.assign_me'),
                    onclick: () => { assignIn.value = app.user.name; } }),
      h('button', { type: 'submit', id: 'case-save', text: t('case.save') }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const change = {};
      if (titleIn.value.trim() && titleIn.value.trim() !== c.title) change.title = titleIn.value.trim();
      if (catIn.value !== c.category) change.category = catIn.value;
      if (assignIn.value.trim() !== (c.assignee || '')) change.assignee = assignIn.value.trim();
      if (!Object.keys(change).length) {
        app.notify(t('case.nothing'), 'info');
        return;
      }
      write('PATCH', `/api/cases/${id}`, change, t('case.saved'));
    });
    const moves = h('div', { id: 'case-transitions', class: 'actions' },
      h('span', { class: 'label', text: t('case.move') }),
      (d.transitions || []).map((s) => h('button', { type: 'button', class: 'transition', 'data-status': s,
        text: t('case.to', { status: t('case.status.' + s) }),
        onclick: () => write('PATCH', `/api/cases/${id}`, { status: s }, t('case.moved', { status: t('case.status.' + s) })) })),
      (d.transitions || []).length ? null : h('span', { class: 'hint', text: t('case.no_moves') }));
    const facts = h('dl', { class: 'facts' },
      h('dt', { text: t('case.state') }), h('dd', { id: 'case-status', 'data-status': c.status }, caseStatus(c.status)),
      h('dt', { text: t('filter.category') }), h('dd', { id: 'case-category-label', text: category(c.category) }),
      h('dt', { text: t('case.assignee') }), h('dd', { id: 'case-assignee-name', text: c.assignee || t('cases.nobody') }),
      h('dt', { text: t('case.created') }), h('dd', {}, timeEl(c.created_at), ' ', c.created_by || ''),
      h('dt', { text: t('case.updated') }), h('dd', {}, timeEl(c.updated_at)),
      h('dt', { text: t('case.reported_at') }), h('dd', {}, timeEl(c.reported_at, 'reported-at')),
      h('dt', { text: t('case.removed_at') }), h('dd', {}, timeEl(c.removed_at, 'removed-at')));
    return section('case-summary', t('case.summary'), facts, moves, form);
  }

  // ---- items, and posts linked to them ----
  function items(d) {
    const list = h('div', { class: 'queue', id: 'case-items-list' }, d.items.map((it) =>
      h('article', { class: 'item', id: 'case-item-' + it.id, 'data-id': String(it.id) },
        itemMeta(it), itemText(it), itemWhy(it),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'remove-item', text: t('case.remove_item'),
          onclick: () => write('DELETE', `/api/cases/${id}/items/${it.id}`, undefined, t('case.item_removed', { id: it.id })) })))));
    return section('case-items', t('case.items', { n: d.items.length }),
      d.items.length ? list : h('p', { class: 'empty', text: t('case.no_items') }));
  }

  // What a linked post says and whether someone already decided on it
  // (a dismissed one may still be added: that confirms it), for the first
  // LINKED_DETAILS rows; the rest link to their item page.
  const LINKED_DETAILS = 30;
  function linkedDetails(rows) {
    const seen = new Map();
    for (const [i, tr] of rows.entries()) {
      const item = Number(tr.dataset.item);
      if (i >= LINKED_DETAILS && !seen.has(item)) continue;
      if (!seen.has(item)) seen.set(item, api('GET', `/api/items/${item}`).catch(() => null));
      seen.get(item).then((it) => {
        if (!it) return;
        const text = (it.text || '').length > 80 ? it.text.slice(0, 80) + '…' : it.text || '';
        tr.querySelector('.linked-text').textContent = text;
        tr.querySelector('.linked-status').replaceChildren(
          h('span', { class: 'status status-' + it.status, text: t('status.' + it.status) }));
      });
    }
  }

  function linked(d) {
    const rows = (d.linked || []).map((l) => h('tr', { 'data-item': String(l.item), 'data-type': l.type },
      h('td', {}, h('a', { href: '#/item/' + l.item, text: '#' + l.item })),
      h('td', { class: 'linked-text' }),
      h('td', { class: 'linked-status' }),
      h('td', { text: indicatorLabel(l.type) }),
      h('td', {}, h('code', { text: l.value })),
      h('td', {}, l.case ? h('a', { href: '#/case/' + l.case, text: t('item.in_case', { id: l.case }) }) : '—'),
      h('td', {}, l.case ? null : h('button', { type: 'button', class: 'add-linked', text: t('case.add_linked'),
        onclick: () => write('POST', `/api/cases/${id}/items`, { items: [l.item] }, t('case.item_added', { id: l.item })) }))));
    linkedDetails(rows);
    return section('case-linked', t('case.linked'), rows.length
      ? table('linked-table', [t('case.col.item'), t('case.col.text'), t('case.col.status'), t('case.col.type'),
                               t('case.col.value'), t('case.col.case'), ''], rows)
      : h('p', { class: 'empty', text: t('case.no_linked') }));
  }

  function evidence(d) {
    const rows = (d.evidence || []).map((ev) => h('tr', { 'data-id': String(ev.id) },
      h('td', {}, ev.item ? h('a', { href: '#/item/' + ev.item, text: '#' + ev.item }) : '—'),
      h('td', { text: t('evidence.kind.' + ev.kind) === 'evidence.kind.' + ev.kind ? ev.kind : t('evidence.kind.' + ev.kind) }),
      h('td', {}, h('a', { class: 'evidence-link', href: `/api/evidence/${ev.id}`, target: '_blank', rel: 'noopener',
                           text: t('case.evidence_open', { id: ev.id }) })),
      h('td', {}, h('code', { class: 'hash', title: ev.sha256, text: (ev.sha256 || '').slice(0, 16) })),
      h('td', { class: 'num', text: fmtBytes(ev.size) }),
      h('td', {}, timeEl(ev.created_at)),
      h('td', { class: 'evidence-url' }, h('code', { text: ev.url || '' }))));
    return section('case-evidence', t('case.evidence'), rows.length
      ? table('evidence-table', [t('case.col.item'), t('case.col.kind'), t('case.col.file'), 'SHA-256', t('case.col.size'),
                                 t('case.col.at'), 'URL'], rows)
      : h('p', { class: 'empty', text: t('case.no_evidence') }));
  }

  // ---- reports ----
  // What became of a report's submission: state, destination, attempts,
  // the next attempt's time and the last error (GET /api/cases/{id} rows).
  function submissionCell(r) {
    if (!r.submit_state) return h('td', { class: 'submission' }, '—');
    const next = r.next_attempt_unix && ['queued', 'retry'].includes(r.submit_state)
      ? new Date(r.next_attempt_unix * 1000).toISOString().replace(/\.000Z$/, 'Z') : null;
    return h('td', { class: 'submission', 'data-state': r.submit_state },
      h('span', { class: 'submit-state sub-' + r.submit_state, text: t('submit.state.' + r.submit_state) }),
      ' ', h('span', { class: 'submit-dest-name', text: t('submit.to', { name: r.destination || '?' }) }),
      r.attempts ? h('span', { class: 'submit-attempts', 'data-n': String(r.attempts), text: ' ' + t('submit.attempts', { n: r.attempts }) }) : null,
      next ? h('span', { class: 'submit-next' }, ' ', t('submit.next'), ' ', timeEl(next, 'next-attempt')) : null,
      r.submit_state === 'uncertain' ? h('p', { class: 'hint', text: t('submit.uncertain_hint') }) : null,
      r.last_error && ['failed', 'uncertain', 'retry'].includes(r.submit_state)
        ? h('p', { class: 'submit-error', text: r.last_error }) : null);
  }

  // "submit to…": the destinations that take the report's kind; queued
  // with POST /api/reports/{id}/submit (the patrol sends it). Offered for
  // an approved report with no submission under way (none yet, or failed).
  function submitControl(r) {
    if (r.status !== 'approved' || !(r.submit_state == null || r.submit_state === 'failed')) return null;
    const pick = h('select', { class: 'submit-dest', 'aria-label': t('submit.pick'), disabled: true });
    const go = h('button', { type: 'button', class: 'submit', text: t('submit.button'), disabled: true,
                             title: supervisor ? undefined : t('case.supervisor_only') });
    const box = h('span', { class: 'submit-control', 'data-kind': r.kind },
      h('span', { class: 'label', text: t('submit.pick') }), ' ', pick, ' ', go);
    destinations.then((all) => {
      const fit = all.filter((d) => (d.kinds || []).includes(r.kind));
      pick.replaceChildren(...fit.map((d) => h('option', { value: d.name,
        text: d.host ? t('submit.option_host', { name: d.name, type: d.type, host: d.host })
                     : t('submit.option', { name: d.name, type: d.type }) })));
      if (!supervisor) return;
      if (!fit.length) {
        box.append(' ', h('span', { class: 'hint no-destination', text: t('submit.none', { kind: t('report.kind.' + r.kind) }) }));
        return;
      }
      pick.disabled = false;
      go.disabled = false;
    });
    go.addEventListener('click', () => {
      const name = pick.value;
      if (!name) return;
      write('POST', `/api/reports/${r.id}/submit`, { destination: name }, t('submit.queued', { id: r.id, name }));
    });
    return box;
  }

  function reportRow(r) {
    const dl = (format, label) => h('a', { class: 'dl dl-' + format, href: `/api/reports/${r.id}/download?format=${format}`,
                                           download: '', text: label });
    const onlySup = (cls, label, enabled, fn) => h('button', {
      type: 'button', class: cls, text: label,
      disabled: !supervisor || !enabled,
      title: supervisor ? undefined : t('case.supervisor_only'),
      onclick: fn,
    });
    const view = h('button', { type: 'button', class: 'view', text: openBodies.has(r.id) ? t('report.hide') : t('report.view'),
      onclick: () => {
        if (openBodies.has(r.id)) openBodies.delete(r.id);
        else openBodies.add(r.id);
        load();
      } });
    const row = h('tr', { class: 'report', id: 'report-' + r.id, 'data-id': String(r.id), 'data-kind': r.kind, 'data-status': r.status },
      h('td', { class: 'num', text: String(r.id) }),
      h('td', { class: 'kind', text: t('report.kind.' + r.kind) }),
      h('td', { class: 'report-title', text: r.title }),
      h('td', {}, h('span', { class: 'report-status status-' + r.status, text: t('report.status.' + r.status) })),
      h('td', {}, timeEl(r.created_at), ' ', r.created_by || ''),
      h('td', { class: 'approved' }, r.approved_at ? [timeEl(r.approved_at, 'approved-at'), ' ', r.approved_by || ''] : '—'),
      h('td', { class: 'sent' }, r.sent_at ? [timeEl(r.sent_at, 'sent-at'), ' ', r.sent_by || '',
                                              r.sent_via ? ` (${r.sent_via})` : ''] : '—'),
      submissionCell(r),
      h('td', { class: 'report-actions' }, view, ' ',
        dl('text', t('report.dl_text')), ' ', dl('csv', 'CSV'), ' ', dl('pdf', 'PDF'), ' ',
        onlySup('approve', t('report.approve'), r.status === 'draft',
                () => write('POST', `/api/reports/${r.id}/approve`, {}, t('report.approved', { id: r.id }))),
        ' ',
        // the store refuses "sent by hand" while a submission is under way
        onlySup('mark-sent', t('report.mark_sent'),
                r.status === 'approved' && !['queued', 'sending', 'retry'].includes(r.submit_state),
                () => write('POST', `/api/reports/${r.id}/sent`, { via: 'manual' }, t('report.sent', { id: r.id }))),
        ' ', submitControl(r),
        // a person's answer to a failed or uncertain submission
        ['failed', 'uncertain'].includes(r.submit_state) && r.status === 'approved' ? [' ',
          onlySup('resolve-retry', t('submit.retry'), true,
                  () => write('POST', `/api/reports/${r.id}/resolve`, { action: 'retry' },
                              t('submit.retried', { id: r.id, name: r.destination || '?' }))),
          ' ',
          onlySup('resolve-drop', t('submit.drop'), true,
                  () => write('POST', `/api/reports/${r.id}/resolve`, { action: 'drop' }, t('submit.dropped', { id: r.id })))] : null));
    return row;
  }

  // Each attempt of a submitted report (GET /api/reports/{id}:
  // submissions), under its row: when, where, the outcome, the answer or
  // error, and the exchange kept as evidence.
  async function reportAttempts(tbody, reports) {
    for (const r of reports) {
      if (!r.attempts && !r.submit_state) continue;
      const row = tbody.querySelector(`#report-${r.id}`);
      const cell = h('td', { colspan: '9' }, h('p', { class: 'hint', text: t('common.loading') }));
      row.after(h('tr', { class: 'report-attempts-row', 'data-id': String(r.id) }, cell));
      try {
        const subs = (await api('GET', `/api/reports/${r.id}`)).report.submissions || [];
        cell.replaceChildren(subs.length
          ? table('submissions-' + r.id, ['attempt', 'destination', 'started', 'finished', 'outcome', 'detail', 'evidence']
            .map((k) => t('submit.col.' + k)), subs.map((s) => h('tr', { class: 'attempt', 'data-outcome': s.outcome || 'sending' },
            h('td', { class: 'num', text: String(s.attempt) }),
            h('td', { text: s.destination || '' }),
            h('td', {}, timeEl(s.started_at)),
            h('td', {}, timeEl(s.finished_at)),
            h('td', { class: 'outcome', text: t('submit.state.' + (s.outcome || 'sending')) }),
            h('td', { class: 'detail' }, h('code', { text: s.detail || '' })),
            h('td', {}, s.evidence ? h('a', { class: 'evidence-link', href: `/api/evidence/${s.evidence}`, target: '_blank', rel: 'noopener',
                                              text: t('case.evidence_open', { id: s.evidence }) }) : '—'))))
          : h('p', { class: 'hint', text: t('submit.no_attempts') }));
      } catch (e) {
        cell.replaceChildren(refused(e));
      }
    }
  }

  async function reportBodies(tbody, reports) {
    for (const r of reports) {
      if (!openBodies.has(r.id)) continue;
      const row = tbody.querySelector(`#report-${r.id}`);
      const cell = h('td', { colspan: '9' }, h('p', { class: 'hint', text: t('common.loading') }));
      row.after(h('tr', { class: 'report-body-row', 'data-id': String(r.id) }, cell));
      try {
        const full = (await api('GET', `/api/reports/${r.id}`)).report;
        cell.replaceChildren(
          h('p', { class: 'hint', text: t('report.covers', { items: (full.items || []).map((x) => '#' + x).join(', '), sha: (full.body_sha256 || '').slice(0, 16) }) }),
          h('pre', { class: 'report-body', id: 'report-body-' + r.id, text: full.body || '' }));
      } catch (e) {
        cell.replaceChildren(refused(e));
      }
    }
  }

  function reports(d) {
    const drafts = h('div', { class: 'actions', id: 'report-drafts' },
      h('span', { class: 'label', text: t('report.draft') }),
      REPORT_KINDS.map((k) => h('button', { type: 'button', id: 'draft-' + k, class: 'draft', 'data-kind': k,
        text: t('report.kind.' + k),
        onclick: () => write('POST', `/api/cases/${id}/reports`, { kind: k },
                             (r) => t('report.drafted', { kind: t('report.kind.' + k), n: (r.reports || []).length })) })));
    const pkg = supervisor
      ? h('a', { id: 'case-package', class: 'button', href: `/api/cases/${id}/package`, download: '', text: t('case.package') })
      : h('button', { type: 'button', id: 'case-package', disabled: true, title: t('case.supervisor_only'), text: t('case.package') });
    const tbody = h('tbody', {}, (d.reports || []).map(reportRow));
    const tbl = h('table', { id: 'reports-table' },
      h('thead', {}, h('tr', {}, ['id', 'kind', 'title', 'status', 'created', 'approved', 'sent', 'submission', 'actions']
        .map((k) => h('th', { text: t('report.col.' + k) })))), tbody);
    reportAttempts(tbody, d.reports || []);
    reportBodies(tbody, d.reports || []);
    return section('case-reports', t('case.reports'), drafts,
      (d.reports || []).length ? tbl : h('p', { class: 'empty', id: 'no-reports', text: t('case.no_reports') }),
      h('div', { class: 'actions' }, pkg,
        supervisor ? null : h('span', { class: 'hint', id: 'package-hint', text: t('case.supervisor_only') })));
  }

  function removals(d) {
    const rows = (d.removals || []).map((r) => h('tr', { 'data-item': String(r.item) },
      h('td', {}, h('a', { href: '#/item/' + r.item, text: '#' + r.item })),
      h('td', {}, h('code', { text: r.url || '' })),
      h('td', {}, timeEl(r.reported_at)),
      h('td', { class: 'num', text: String(r.checks) }),
      h('td', {}, timeEl(r.last_check_at)),
      h('td', { text: r.last_result ? t('removal.' + r.last_result) : '—' }),
      h('td', {}, timeEl(r.removed_at, 'removed-at')),
      h('td', { text: r.reason || '' })));
    return section('case-removals', t('case.removals'), rows.length
      ? table('removals-table', ['item', 'url', 'reported', 'checks', 'last_check', 'result', 'removed', 'reason']
        .map((k) => t('removal.col.' + k)), rows)
      : h('p', { class: 'empty', text: t('case.no_removals') }));
  }

  function notes(d) {
    const text = h('textarea', { id: 'note-text', rows: '3', maxlength: '4000' });
    const form = h('form', { id: 'note-form', class: 'note-form' }, text,
      h('button', { type: 'submit', id: 'note-add', text: t('case.note_add') }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!text.value.trim()) return;
      write('POST', `/api/cases/${id}/notes`, { text: text.value.trim() }, t('case.note_added'));
    });
    return section('case-notes', t('case.notes'),
      h('ul', { class: 'notes', id: 'notes-list' }, (d.notes || []).map((n) => h('li', { 'data-id': String(n.id) },
        h('div', { class: 'meta' }, h('span', { class: 'user', text: n.user }), timeEl(n.at)),
        h('p', { class: 'note-text', text: n.text })))),
      form);
  }

  function history(d) {
    const rows = (d.history || []).slice().reverse().map((e) => h('tr', { 'data-action': e.action },
      h('td', {}, timeEl(e.at)),
      h('td', { class: 'user', text: e.user }),
      h('td', { class: 'action' }, h('code', { text: e.action })),
      h('td', {}, h('code', { text: e.detail == null ? '' : JSON.stringify(e.detail) }))));
    return section('case-history', t('case.history'),
      table('history-table', [t('audit.at'), t('audit.user'), t('audit.action'), t('audit.detail')], rows));
  }

  // reports in the order of the draft buttons, then oldest first
  function sortReports(d) {
    const rank = (r) => REPORT_KINDS.indexOf(r.kind);
    d.reports = (d.reports || []).slice().sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  }

  // While a submission is under way (the patrol sends it), the reports are
  // asked for again every few seconds and their section redrawn when a
  // report's state changed — only then, and only that section, so what
  // someone is typing elsewhere on the page stays.
  const PENDING = ['queued', 'sending', 'retry'];
  const POLL_MS = 3000;
  let timer = null;
  let closed = false;
  let shown = '';
  const pending = (d) => d.reports.some((r) => PENDING.includes(r.submit_state));
  const signature = (d) => JSON.stringify(d.reports.map((r) =>
    [r.id, r.status, r.submit_state, r.attempts, r.last_error, r.next_attempt_unix]));

  function poll(d) {
    clearTimeout(timer);
    timer = !closed && pending(d) ? setTimeout(refreshReports, POLL_MS) : null;
  }

  async function refreshReports() {
    let d;
    try {
      d = await api('GET', `/api/cases/${id}`);
    } catch (e) {
      if (!closed) timer = setTimeout(refreshReports, POLL_MS); // a blip: try again
      return;
    }
    if (closed) return;
    sortReports(d);
    const old = body.querySelector('#case-reports');
    if (old && signature(d) !== shown) {
      old.replaceWith(reports(d));
      shown = signature(d);
      body.dataset.reportsRefreshed = String(Date.now());
    }
    poll(d);
  }

  async function load() {
    let d;
    try {
      d = await api('GET', `/api/cases/${id}`);
    } catch (e) {
      body.replaceChildren(refused(e));
      app.fail(e);
      return;
    }
    title.textContent = t('case.title', { id }) + ' ' + d.case.title;
    sortReports(d);
    body.replaceChildren(summary(d), items(d), reports(d), linked(d), evidence(d), removals(d), notes(d), history(d));
    shown = signature(d);
    body.dataset.loaded = String(Date.now());
    poll(d);
  }

  load();
  return { close() { closed = true; clearTimeout(timer); } };
}
