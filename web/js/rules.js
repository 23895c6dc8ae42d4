// rules.js — the rules the server loaded (GET /api/rules: packs, then every
// rule with its category, severity, weight and place) and a try-out: a text
// sent to POST /api/rules/try is scanned by the server's engine (the one
// `junkai scan` uses; nothing is stored) and shown with the matched spans
// marked, the rules that hit, the indicators found and the text as the
// rules see it (normalized).
import { api } from './api.js';
import { t, category } from './i18n.js';
import { h } from './dom.js';
import { renderText } from './highlight.js';
import { fmtScore, indicatorLabel } from './itemcard.js';
import { refused } from './util.js';

export function rulesView(root, app) {
  const text = h('textarea', { id: 'try-text', rows: '4', maxlength: '100000', placeholder: t('rules.try_placeholder') });
  const result = h('div', { id: 'try-result', hidden: true });
  const form = h('form', { id: 'try-form', class: 'tip tryout' },
    h('label', {}, h('span', { text: t('rules.try_label') }), text),
    h('button', { type: 'submit', id: 'try-submit', text: t('rules.try') }),
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!text.value) return;
    const sent = text.value;
    try {
      const r = await api('POST', '/api/rules/try', { text: sent });
      const marked = h('p', { class: 'text', id: 'try-marked', lang: 'ja' });
      renderText(marked, sent, r.hits);
      // indicators marked apart from the rules' spans
      const inds = h('p', { class: 'text indicators-text', id: 'try-indicators-marked', lang: 'ja' });
      renderText(inds, sent, (r.indicators || []).map((i) => ({ rule: indicatorLabel(i.type), spans: [i.span] })));
      result.replaceChildren(
        h('p', { id: 'try-summary', class: r.hits.length ? 'hit' : 'nohit',
                 text: r.hits.length ? t('rules.try_hits', { n: r.hits.length, score: fmtScore(r.score) }) : t('rules.try_none') }),
        marked,
        r.hits.length ? h('table', { id: 'try-hits' },
          h('thead', {}, h('tr', {}, ['rule', 'title', 'category', 'score', 'terms'].map((k) => h('th', { text: t('rules.col.' + k) })))),
          h('tbody', {}, r.hits.map((x) => h('tr', { 'data-rule': x.rule },
            h('td', {}, h('code', { text: x.rule })),
            h('td', { text: x.title || '' }),
            h('td', { text: category(x.category) }),
            h('td', { class: 'num', text: fmtScore(x.score) }),
            h('td', { text: (x.terms || []).join(', ') }))))) : null,
        (r.indicators || []).length ? h('div', {}, h('h3', { text: t('rules.indicators') }), inds,
          h('ul', { class: 'indicators', id: 'try-indicators' }, r.indicators.map((i) => h('li', {},
            h('span', { class: 'ind-type', text: indicatorLabel(i.type) }), ' ', h('code', { text: i.value }))))) : null,
        h('h3', { text: t('rules.normalized') }),
        h('pre', { class: 'normalized', id: 'try-normalized', text: r.normalized }));
      result.hidden = false;
      result.dataset.hits = String(r.hits.length);
    } catch (e) {
      result.replaceChildren(e.status === 503 ? h('p', { class: 'error', text: t('rules.none_loaded') }) : refused(e));
      result.hidden = false;
      if (e.status === 401) app.fail(e);
    }
  });

  const filter = h('input', { id: 'rules-filter', type: 'search', placeholder: t('rules.filter') });
  const packs = h('div', { id: 'rule-packs' });
  const rules = h('div', { id: 'rule-list' });
  root.append(h('h1', { text: t('rules.title') }), h('h2', { text: t('rules.try_title') }), form,
    h('h2', { text: t('rules.packs') }), packs, h('h2', { text: t('rules.rules') }), filter, rules);

  (async () => {
    let r;
    try {
      r = await api('GET', '/api/rules');
    } catch (e) {
      packs.append(refused(e));
      app.fail(e);
      return;
    }
    if (!r.loaded) {
      packs.append(h('p', { class: 'error', text: t('rules.none_loaded') }));
      return;
    }
    packs.append(h('table', { id: 'packs-table' },
      h('thead', {}, h('tr', {}, ['name', 'version', 'language', 'file', 'rules'].map((k) => h('th', { text: t('rules.pack.' + k) })))),
      h('tbody', {}, r.packs.map((p) => h('tr', { 'data-pack': p.name },
        h('td', { text: p.name }), h('td', { text: p.version || '' }), h('td', { text: p.language || '' }),
        h('td', {}, h('code', { text: p.file || '' })), h('td', { class: 'num', text: String(p.rules) }))))));
    const rows = r.rules.map((x) => h('tr', { 'data-rule': x.id, 'data-search': `${x.id} ${x.title} ${x.category} ${category(x.category)}`.toLowerCase() },
      h('td', {}, h('code', { text: x.id })),
      h('td', { text: x.title || '' }),
      h('td', { text: category(x.category) }),
      h('td', { text: t('severity.' + x.severity) }),
      h('td', { class: 'num', text: x.weight.toFixed(2) }),
      h('td', {}, h('code', { text: `${x.file}:${x.line}` })),
      h('td', { class: 'num', text: `${x.hit_examples} / ${x.miss_examples}` })));
    const count = h('p', { class: 'count', id: 'rules-count', text: t('rules.count', { n: rows.length, total: rows.length }) });
    rules.append(count, h('table', { id: 'rules-table' },
      h('thead', {}, h('tr', {}, ['id', 'title', 'category', 'severity', 'weight', 'place', 'examples'].map((k) => h('th', { text: t('rules.col.' + k) })))),
      h('tbody', {}, rows)));
    filter.addEventListener('input', () => {
      const q = filter.value.trim().toLowerCase();
      let n = 0;
      for (const tr of rows) {
        tr.hidden = q && !tr.dataset.search.includes(q);
        if (!tr.hidden) n++;
      }
      count.textContent = t('rules.count', { n, total: rows.length });
    });
  })();
  text.focus();
  return {};
}
