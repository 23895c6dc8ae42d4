// itemcard.js — one post as every screen shows it (the queue, a case, the
// item page, the rule try-out): its line of facts, its text with the
// matched spans marked, and why it was ranked (rules, indicators).
import { t, category } from './i18n.js';
import { h } from './dom.js';
import { renderText } from './highlight.js';
import { fmtTime } from './util.js';

// The hit with the highest score names the item's category.
export function topCategory(item) {
  let best = null;
  for (const hit of item.hits || []) if (!best || hit.score > best.score) best = hit;
  return best ? best.category : null;
}

export function fmtScore(v) {
  return typeof v === 'number' ? v.toFixed(2) : '';
}

export function indicatorLabel(type) {
  const k = 'ind.' + type;
  const s = t(k);
  return s === k ? type : s;
}

// The facts line; `lead` elements come first (a checkbox in the queue).
export function itemMeta(it, ...lead) {
  return h('div', { class: 'meta' }, ...lead,
    h('span', { class: 'score', title: t('item.score'), text: fmtScore(it.score) }),
    it.status ? h('span', { class: 'status status-' + it.status, text: t('status.' + it.status) }) : null,
    h('span', { class: 'platform', text: it.platform }),
    it.author ? h('span', { class: 'author', text: it.author }) : null,
    h('time', { class: 'posted', title: it.posted_at || undefined, text: it.posted_at ? fmtTime(it.posted_at) : t('item.no_time') }),
    it.url ? h('a', { class: 'url', href: it.url, target: '_blank', rel: 'noopener noreferrer', text: it.url }) : null,
    h('a', { class: 'id', href: '#/item/' + it.id, title: t('item.open'), text: '#' + it.id }),
    it.case ? h('a', { class: 'case-link', href: '#/case/' + it.case, text: t('item.in_case', { id: it.case }) }) : null);
}

export function itemText(it) {
  const text = h('p', { class: 'text', lang: 'ja' });
  renderText(text, it.text, it.hits);
  return text;
}

export function itemWhy(it) {
  const reasons = h('ul', { class: 'reasons' },
    (it.hits || []).map((hit) => h('li', {},
      h('code', { class: 'rule', text: hit.rule }), ' ',
      h('span', { class: 'cat', text: category(hit.category) }), ' ',
      h('span', { class: 'hit-score', text: fmtScore(hit.score) }))));
  const inds = (it.indicators || []).length
    ? h('ul', { class: 'indicators' }, it.indicators.map((ind) => h('li', {},
      h('span', { class: 'ind-type', text: indicatorLabel(ind.type) }), ' ',
      h('code', { text: ind.value }))))
    : null;
  return h('div', { class: 'why' }, reasons, inds);
}
