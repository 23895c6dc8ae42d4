// item.js — one item (GET /api/items/{id}): its facts, text with the
// matched spans marked, rules and indicators, the decisions taken on it and
// the case it is in; a pending item can be confirmed (into the case picked:
// auto, new or an open one) or dismissed from here.
import { api } from './api.js';
import { t, category } from './i18n.js';
import { h } from './dom.js';
import { topCategory, itemMeta, itemText, itemWhy } from './itemcard.js';
import { casePicker, caseMember } from './casepick.js';
import { askReason } from './queue.js';
import { timeEl, refused, idArg } from './util.js';

export function itemView(root, app, arg) {
  const id = idArg(arg);
  const body = h('div', { id: 'item-page', 'data-id': String(id ?? '') });
  root.append(h('h1', { text: t('item.title', { id: id ?? '?' }) }), body);
  if (!id) {
    body.append(h('p', { class: 'refused', id: 'refused', text: t('item.bad_id') }));
    return {};
  }

  async function decide(payload) {
    try {
      const r = await api('POST', `/api/items/${id}/decision`, payload);
      if (r.case)
        app.notify(t('decided.confirm_case', { n: 1, cases: '#' + r.case }), 'ok',
                   [{ href: '#/case/' + r.case, text: t('decided.open_case', { id: r.case }), id: 'notice-case-' + r.case }]);
      else app.notify(t('decided.' + payload.decision, { n: 1 }), 'ok');
      await load();
    } catch (e) {
      app.fail(e);
    }
  }

  async function load() {
    let it;
    try {
      it = await api('GET', `/api/items/${id}`);
    } catch (e) {
      body.replaceChildren(refused(e));
      app.fail(e);
      return;
    }
    const cat = topCategory(it);
    const actions = h('div', { class: 'actions', id: 'item-actions' });
    if (it.status === 'pending') {
      const pick = casePicker('item-case-pick', app.queueCase);
      actions.append(
        h('label', { class: 'pick' }, h('span', { text: t('pick.label') }), pick),
        h('button', { type: 'button', class: 'confirm', id: 'item-confirm', text: t('item.confirm', { category: category(cat || '') }),
                      onclick: () => decide({ decision: 'confirm', category: cat || undefined, case: caseMember(pick.value) }) }),
        h('button', { type: 'button', class: 'dismiss', id: 'item-dismiss', text: t('item.dismiss'), onclick: async () => {
          const reason = await askReason('#' + id);
          if (reason !== null) decide({ decision: 'dismiss', reason });
        } }));
    }
    const decisions = (it.decisions || []).map((d) => h('li', {},
      timeEl(d.at), ' ', h('span', { class: 'user', text: d.user }), ' ',
      h('strong', { text: t('decision.' + d.decision) }),
      d.category ? ' ' + category(d.category) : '', d.reason ? ` — ${d.reason}` : ''));
    body.replaceChildren(
      h('article', { class: 'item', id: 'item-' + it.id, 'data-id': String(it.id) },
        itemMeta(it), itemText(it), itemWhy(it), actions),
      h('dl', { class: 'facts' },
        h('dt', { text: t('item.external_id') }), h('dd', {}, h('code', { text: it.external_id || '' })),
        h('dt', { text: t('item.fetched') }), h('dd', {}, timeEl(it.fetched_at)),
        h('dt', { text: t('item.case') }), h('dd', { id: 'item-case' },
          it.case ? h('a', { href: '#/case/' + it.case, text: t('item.in_case', { id: it.case }) }) : t('item.no_case'))),
      h('h2', { text: t('item.decisions') }),
      decisions.length ? h('ul', { id: 'item-decisions' }, decisions) : h('p', { class: 'empty', text: t('item.no_decisions') }));
    body.dataset.loaded = String(Date.now());
  }

  load();
  return {};
}
