// queue.js — the review queue: items in the API's order with their matched
// spans marked, reasons and indicators; filters mapped to GET /api/queue's
// parameters; pages of 100 (offset); single and bulk confirm/dismiss
// (POST /api/decisions) with the case a confirmation goes into; the
// keyboard path j/k/c/d/x.
import { api, query } from './api.js';
import { t, category } from './i18n.js';
import { h } from './dom.js';
import { topCategory, itemMeta, itemText, itemWhy } from './itemcard.js';
import { casePicker, caseMember } from './casepick.js';

export { topCategory };

export const CATEGORIES = [
  'child_porn', 'child_solicitation', 'prostitution', 'obscene', 'drug_ad', 'bank_account_trade',
  'phone_lending', 'credential_sale', 'crime_recruitment', 'violent_crime', 'weapons_explosives',
  'trafficking', 'suicide_inducement', 'self_harm_risk', 'threat', 'phishing', 'fraud',
];
const PAGE = 100;

// Ask for a dismissal reason in the page's dialog; null when cancelled.
export function askReason(what) {
  const dlg = document.getElementById('reason-dialog');
  const text = document.getElementById('reason');
  document.getElementById('reason-target').textContent = what;
  text.value = '';
  return new Promise((resolve) => {
    const form = document.getElementById('reason-form');
    const cancel = document.getElementById('reason-cancel');
    const done = (v) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dlg.removeEventListener('cancel', onCancel);
      if (dlg.open) dlg.close();
      resolve(v);
    };
    const onSubmit = (ev) => {
      ev.preventDefault();
      const v = text.value.trim();
      if (!v) {
        text.focus();
        return;
      }
      done(v);
    };
    const onCancel = (ev) => {
      ev.preventDefault();
      done(null);
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dlg.addEventListener('cancel', onCancel);
    dlg.showModal();
    text.focus();
  });
}

export function queueView(root, app) {
  const f = (app.queueFilters ||= { status: 'pending', category: '', min_score: '', source: '', since: '', until: '', offset: 0 });
  f.offset ||= 0;
  let items = [];
  let current = 0;
  const selected = new Set();
  let busy = false;

  const status = h('select', { id: 'f-status', name: 'status' },
    ['pending', 'confirmed', 'dismissed'].map((v) => h('option', { value: v, text: t('status.' + v) })));
  const cat = h('select', { id: 'f-category', name: 'category' },
    h('option', { value: '', text: t('filter.any') }),
    CATEGORIES.map((c) => h('option', { value: c, text: category(c) })));
  const minScore = h('input', { id: 'f-min-score', name: 'min_score', type: 'number', min: '0', max: '1', step: '0.05' });
  const source = h('select', { id: 'f-source', name: 'source' }, h('option', { value: '', text: t('filter.any') }));
  const since = h('input', { id: 'f-since', name: 'since', type: 'date' });
  const until = h('input', { id: 'f-until', name: 'until', type: 'date' });
  status.value = f.status;
  cat.value = f.category;
  minScore.value = f.min_score;
  since.value = f.since;
  until.value = f.until;

  const form = h('form', { id: 'filters', class: 'filters' },
    h('label', {}, h('span', { text: t('filter.status') }), status),
    h('label', {}, h('span', { text: t('filter.category') }), cat),
    h('label', {}, h('span', { text: t('filter.min_score') }), minScore),
    h('label', {}, h('span', { text: t('filter.source') }), source),
    h('label', {}, h('span', { text: t('filter.since') }), since),
    h('label', {}, h('span', { text: t('filter.until') }), until),
    h('button', { type: 'submit', id: 'f-apply', text: t('filter.apply') }),
    h('button', { type: 'button', id: 'f-reset', text: t('filter.reset'), onclick: () => {
      Object.assign(f, { status: 'pending', category: '', min_score: '', source: '', since: '', until: '', offset: 0 });
      status.value = 'pending';
      cat.value = source.value = minScore.value = since.value = until.value = '';
      load();
    } }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    Object.assign(f, { status: status.value, category: cat.value, min_score: minScore.value,
                       source: source.value, since: since.value, until: until.value, offset: 0 });
    load();
  });

  const count = h('span', { id: 'queue-count', class: 'count' });
  const selCount = h('span', { id: 'selected-count', class: 'count' });
  const pick = casePicker('case-pick', app.queueCase);
  pick.addEventListener('change', () => { app.queueCase = pick.value; });
  const bulk = h('div', { class: 'bulk' }, count, selCount,
    h('label', { class: 'pick' }, h('span', { text: t('pick.label') }), pick),
    h('button', { type: 'button', id: 'select-all', text: t('bulk.select_all'), onclick: () => {
      const all = selected.size !== items.length;
      selected.clear();
      if (all) for (const it of items) selected.add(it.id);
      paintSelection();
    } }),
    h('button', { type: 'button', id: 'bulk-confirm', text: t('bulk.confirm'), onclick: () => confirm(chosen()) }),
    h('button', { type: 'button', id: 'bulk-dismiss', text: t('bulk.dismiss'), onclick: () => dismiss(chosen()) }),
    h('span', { class: 'hint', text: t('queue.hint') }));
  const list = h('div', { id: 'queue', class: 'queue', role: 'list' });
  const prev = h('button', { type: 'button', id: 'page-prev', text: t('page.prev'), onclick: () => {
    f.offset = Math.max(0, f.offset - PAGE);
    load();
  } });
  const next = h('button', { type: 'button', id: 'page-next', text: t('page.next'), onclick: () => {
    f.offset += PAGE;
    load();
  } });
  const pageInfo = h('span', { id: 'page-info', class: 'count' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('page.label') }, prev, pageInfo, next);
  root.append(h('h1', { text: t('queue.title') }), form, bulk, list, pager);

  function chosen() {
    return items.filter((it) => selected.has(it.id));
  }

  function paintSelection() {
    for (const el of list.querySelectorAll('.item')) {
      const on = selected.has(Number(el.dataset.id));
      el.classList.toggle('selected', on);
      el.querySelector('input.select').checked = on;
    }
    selCount.textContent = t('bulk.selected', { n: selected.size });
  }

  function paintCurrent(scroll) {
    const els = list.querySelectorAll('.item');
    els.forEach((el, i) => {
      el.classList.toggle('current', i === current);
      if (i === current) el.setAttribute('aria-current', 'true');
      else el.removeAttribute('aria-current');
    });
    if (scroll && els[current]) els[current].scrollIntoView({ block: 'nearest' });
  }

  function itemEl(it, i) {
    const box = h('input', { type: 'checkbox', class: 'select', title: t('bulk.select_one'),
                             onchange: (ev) => {
                               if (ev.target.checked) selected.add(it.id);
                               else selected.delete(it.id);
                               paintSelection();
                             } });
    const actions = h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'confirm', text: t('item.confirm', { category: category(topCategory(it) || '') }),
                    onclick: () => { current = i; confirm([it]); } }),
      h('button', { type: 'button', class: 'dismiss', text: t('item.dismiss'),
                    onclick: () => { current = i; dismiss([it]); } }));
    const el = h('article', { class: 'item', role: 'listitem', id: 'item-' + it.id, 'data-id': String(it.id),
                              'data-category': topCategory(it) || '' },
      itemMeta(it, box), itemText(it), itemWhy(it), actions);
    el.addEventListener('click', (ev) => {
      if (ev.target.closest('button, a, input')) return;
      current = i;
      paintCurrent(false);
    });
    return el;
  }

  function render() {
    list.textContent = '';
    if (!items.length) list.append(h('p', { class: 'empty', id: 'queue-empty', text: t('queue.empty') }));
    items.forEach((it, i) => list.append(itemEl(it, i)));
    for (const id of [...selected]) if (!items.some((it) => it.id === id)) selected.delete(id);
    current = Math.max(0, Math.min(current, items.length - 1));
    count.textContent = items.length
      ? t('queue.range', { from: f.offset + 1, to: f.offset + items.length })
      : t('queue.count', { n: 0 });
    pageInfo.textContent = t('page.info', { n: Math.floor(f.offset / PAGE) + 1 });
    prev.disabled = f.offset === 0;
    next.disabled = items.length < PAGE; // a short page is the last one
    paintSelection();
    paintCurrent(false);
  }

  async function load() {
    try {
      let r = await api('GET', '/api/queue' + query({ ...f, status: f.status === 'pending' ? '' : f.status, limit: PAGE }));
      // the last page emptied by decisions: show the one before it
      while (!(r.items || []).length && f.offset > 0) {
        f.offset = Math.max(0, f.offset - PAGE);
        r = await api('GET', '/api/queue' + query({ ...f, status: f.status === 'pending' ? '' : f.status, limit: PAGE }));
      }
      items = r.items || [];
      render();
      list.dataset.loaded = String(Date.now());
    } catch (e) {
      app.fail(e);
    }
  }

  async function loadSources() {
    try {
      const r = await api('GET', '/api/sources');
      for (const src of r.sources || []) source.append(h('option', { value: src.name, text: `${src.name} (${src.kind})` }));
      source.value = f.source;
    } catch {
      /* the filter still works as "any" */
    }
  }

  async function decide(body) {
    if (busy) return null;
    busy = true;
    try {
      return await api('POST', '/api/decisions', body);
    } catch (e) {
      app.fail(e);
      return null;
    } finally {
      busy = false;
    }
  }

  async function confirm(list_) {
    if (!list_.length) {
      app.notify(t('bulk.none'), 'error');
      return;
    }
    // one request per category: each item is confirmed as its own top category
    const groups = new Map();
    for (const it of list_) {
      const c = topCategory(it) || '';
      if (!groups.has(c)) groups.set(c, []);
      groups.get(c).push(it.id);
    }
    let done = 0;
    const cases = [];
    for (const [c, ids] of groups) {
      const body = { decision: 'confirm', items: ids, case: caseMember(pick.value) };
      if (c) body.category = c;
      const r = await decide(body);
      if (!r) break;
      done += ids.length;
      if (r.case && !cases.includes(r.case)) cases.push(r.case);
    }
    if (done && cases.length)
      app.notify(t('decided.confirm_case', { n: done, cases: cases.map((id) => '#' + id).join(', ') }), 'ok',
                 cases.map((id) => ({ href: '#/case/' + id, text: t('decided.open_case', { id }), id: 'notice-case-' + id })));
    else if (done) app.notify(t('decided.confirm', { n: done }), 'ok');
    if (cases.length) pick.refresh();
    for (const it of list_) selected.delete(it.id);
    await load();
  }

  async function dismiss(list_) {
    if (!list_.length) {
      app.notify(t('bulk.none'), 'error');
      return;
    }
    const reason = await askReason(list_.length === 1 ? `#${list_[0].id}` : t('bulk.selected', { n: list_.length }));
    if (reason === null) return;
    if (await decide({ decision: 'dismiss', reason, items: list_.map((it) => it.id) }))
      app.notify(t('decided.dismiss', { n: list_.length }), 'ok');
    for (const it of list_) selected.delete(it.id);
    await load();
  }

  loadSources();
  load();

  return {
    key(ev) {
      const it = items[current];
      switch (ev.key) {
        case 'j':
          if (current < items.length - 1) current++;
          paintCurrent(true);
          return true;
        case 'k':
          if (current > 0) current--;
          paintCurrent(true);
          return true;
        case 'x':
          if (it) {
            if (selected.has(it.id)) selected.delete(it.id);
            else selected.add(it.id);
            paintSelection();
          }
          return true;
        case 'c':
          if (it) confirm([it]);
          return true;
        case 'd':
          if (it) dismiss([it]);
          return true;
        default:
          return false;
      }
    },
  };
}
