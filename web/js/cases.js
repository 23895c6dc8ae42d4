// cases.js — the case list (GET /api/cases, newest first, 50 a page) with
// its filters (status, category, assignee: anyone, me, nobody or a name),
// and a form to open an empty case (POST /api/cases).
import { api, query } from './api.js';
import { t, category } from './i18n.js';
import { h } from './dom.js';
import { CATEGORIES } from './queue.js';
import { timeEl, refused } from './util.js';

export const CASE_STATUSES = ['new', 'confirmed', 'reported', 'removed', 'dismissed'];
const PAGE = 50;

export function caseStatus(status) {
  return h('span', { class: 'case-status case-' + status, text: t('case.status.' + status) });
}

export function casesView(root, app) {
  const f = (app.caseFilters ||= { status: '', category: '', who: '', name: '', offset: 0 });
  const status = h('select', { id: 'c-status', name: 'status' },
    h('option', { value: '', text: t('filter.any') }),
    CASE_STATUSES.map((s) => h('option', { value: s, text: t('case.status.' + s) })));
  const cat = h('select', { id: 'c-category', name: 'category' },
    h('option', { value: '', text: t('filter.any') }),
    CATEGORIES.map((c) => h('option', { value: c, text: category(c) })));
  const who = h('select', { id: 'c-assignee', name: 'assignee' },
    h('option', { value: '', text: t('filter.any') }),
    h('option', { value: 'me', text: t('cases.mine') }),
    h('option', { value: 'none', text: t('cases.unassigned') }),
    h('option', { value: 'name', text: t('cases.named') }));
  const name = h('input', { id: 'c-assignee-name', name: 'assignee_name', maxlength: '64', placeholder: t('cases.name') });
  status.value = f.status;
  cat.value = f.category;
  who.value = f.who;
  name.value = f.name;
  name.hidden = f.who !== 'name';
  who.addEventListener('change', () => { name.hidden = who.value !== 'name'; });

  const form = h('form', { id: 'case-filters', class: 'filters' },
    h('label', {}, h('span', { text: t('filter.status') }), status),
    h('label', {}, h('span', { text: t('filter.category') }), cat),
    h('label', {}, h('span', { text: t('case.assignee') }), who, name),
    h('button', { type: 'submit', id: 'c-apply', text: t('filter.apply') }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    Object.assign(f, { status: status.value, category: cat.value, who: who.value, name: name.value.trim(), offset: 0 });
    load();
  });

  const tbody = h('tbody');
  const table = h('table', { id: 'cases-table' },
    h('thead', {}, h('tr', {}, ['id', 'title', 'category', 'status', 'assignee', 'items', 'reports', 'updated']
      .map((k) => h('th', { text: t('cases.col.' + k) })))), tbody);
  const empty = h('p', { class: 'empty', id: 'cases-empty', hidden: true, text: t('cases.empty') });
  const prev = h('button', { type: 'button', id: 'cases-prev', text: t('page.prev'), onclick: () => { f.offset = Math.max(0, f.offset - PAGE); load(); } });
  const next = h('button', { type: 'button', id: 'cases-next', text: t('page.next'), onclick: () => { f.offset += PAGE; load(); } });
  const info = h('span', { class: 'count', id: 'cases-page' });

  // an empty case, to collect items into later
  const title = h('input', { id: 'new-case-title', name: 'title', required: true, maxlength: '300' });
  const newCat = h('select', { id: 'new-case-category', name: 'category' },
    CATEGORIES.map((c) => h('option', { value: c, text: category(c) })));
  const create = h('form', { id: 'new-case', class: 'filters' },
    h('label', {}, h('span', { text: t('cases.new_title') }), title),
    h('label', {}, h('span', { text: t('filter.category') }), newCat),
    h('button', { type: 'submit', id: 'new-case-submit', text: t('cases.create') }));
  create.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('POST', '/api/cases', { title: title.value.trim(), category: newCat.value });
      location.hash = '#/case/' + r.case.id;
    } catch (e) {
      app.fail(e);
    }
  });

  const body = h('div', { id: 'cases' }, form, table, empty, h('nav', { class: 'pager' }, prev, info, next));
  root.append(h('h1', { text: t('cases.title') }), body, h('h2', { text: t('cases.new') }), create);

  async function load() {
    const assignee = f.who === 'me' ? app.user.name : f.who === 'none' ? '' : f.who === 'name' ? f.name : undefined;
    const params = { status: f.status, category: f.category, limit: PAGE, offset: f.offset };
    let path = '/api/cases' + query(params);
    // "nobody" is assignee= (empty), which query() would leave out
    if (assignee !== undefined) path += (path.includes('?') ? '&' : '?') + 'assignee=' + encodeURIComponent(assignee);
    let r;
    try {
      r = await api('GET', path);
    } catch (e) {
      body.replaceChildren(refused(e));
      app.fail(e);
      return;
    }
    const cases = r.cases || [];
    tbody.replaceChildren(...cases.map((c) => h('tr', { 'data-id': String(c.id), 'data-status': c.status },
      h('td', { class: 'num', text: String(c.id) }),
      h('td', {}, h('a', { href: '#/case/' + c.id, class: 'case-title', text: c.title })),
      h('td', { text: category(c.category) }),
      h('td', {}, caseStatus(c.status)),
      h('td', { class: 'assignee', text: c.assignee || t('cases.nobody') }),
      h('td', { class: 'num', text: String(c.items) }),
      h('td', { class: 'num', text: String(c.reports) }),
      h('td', {}, timeEl(c.updated_at)))));
    empty.hidden = cases.length > 0;
    table.hidden = cases.length === 0;
    info.textContent = cases.length ? t('queue.range', { from: f.offset + 1, to: f.offset + cases.length }) : '';
    prev.disabled = f.offset === 0;
    next.disabled = cases.length < PAGE;
    tbody.dataset.loaded = String(Date.now());
  }

  load();
  return {};
}
