// casepick.js — where a confirmation goes: "auto" (the server files the
// item into the open case of its category that shares a contact point with
// it, else a new case), "new" (always a new case) or an open case picked
// from GET /api/cases. The choice becomes the "case" member of the
// decision; the reply names the case, which the notice links to.
import { api, query } from './api.js';
import { t, category } from './i18n.js';
import { h } from './dom.js';

export function casePicker(id, initial) {
  const sel = h('select', { id, name: 'case', title: t('pick.title') },
    h('option', { value: 'auto', text: t('pick.auto') }),
    h('option', { value: 'new', text: t('pick.new') }));
  const group = h('optgroup', { label: t('pick.open') });
  sel.append(group);
  sel.value = initial || 'auto';
  // (re)load the open cases, keeping the choice while it is one of them
  sel.refresh = async () => {
    const keep = sel.value;
    try {
      const lists = await Promise.all(['confirmed', 'new'].map((status) =>
        api('GET', '/api/cases' + query({ status, limit: 200 }))));
      const cases = lists.flatMap((l) => l.cases || []).sort((a, b) => b.id - a.id);
      group.textContent = '';
      for (const c of cases)
        group.append(h('option', { value: String(c.id), 'data-category': c.category,
                                   text: `#${c.id} ${c.title} (${category(c.category)})` }));
      sel.value = keep;
      if (!sel.value) sel.value = 'auto'; // the case picked before is closed now
      sel.dataset.loaded = String(Date.now());
    } catch {
      sel.dataset.loaded = 'error'; // "auto" and "new" still work
    }
  };
  sel.value = initial || 'auto';
  if (initial && initial !== 'auto' && initial !== 'new') {
    // keep the picked case selectable until the list arrives
    group.append(h('option', { value: initial, text: '#' + initial }));
    sel.value = initial;
  }
  sel.refresh();
  return sel;
}

// The decision body's "case" member for a picker's value.
export function caseMember(value) {
  if (!value || value === 'auto') return undefined;
  if (value === 'new') return 'new';
  return Number(value);
}
