// tip.js — the intake desk: a citizen's tip (通報・相談) entered by a
// patroller and sent to POST /api/tips; the reply says whether it was
// scanned and whether rules hit (then it is in the review queue).
import { api } from './api.js';
import { t } from './i18n.js';
import { h } from './dom.js';

export function tipView(root, app) {
  const url = h('input', { id: 'tip-url', name: 'url', type: 'url', required: true, maxlength: '4000',
                           placeholder: 'https://' });
  const note = h('textarea', { id: 'tip-note', name: 'note', rows: '4', maxlength: '4000' });
  const contact = h('input', { id: 'tip-contact', name: 'contact', maxlength: '4000' });
  const result = h('p', { id: 'tip-result', role: 'status', hidden: true });
  const form = h('form', { id: 'tip-form', class: 'tip' },
    h('label', {}, h('span', { text: t('tip.url') }), url),
    h('label', {}, h('span', { text: t('tip.note') }), note),
    h('label', {}, h('span', { text: t('tip.contact') }), contact),
    h('p', { class: 'hint', text: t('tip.contact_hint') }),
    h('button', { type: 'submit', id: 'tip-submit', text: t('tip.submit') }),
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    result.hidden = true;
    const body = { url: url.value.trim() };
    if (note.value.trim()) body.note = note.value.trim();
    if (contact.value.trim()) body.contact = contact.value.trim();
    try {
      const r = await api('POST', '/api/tips', body);
      const key = !r.fresh ? 'tip.again' : !r.scanned ? 'tip.unscanned' : r.hits ? 'tip.hits' : 'tip.nohits';
      result.textContent = t(key, { id: r.id });
      result.className = 'ok';
      result.dataset.id = String(r.id);
      result.dataset.hits = String(!!r.hits);
      result.hidden = false;
      if (r.fresh) form.reset();
    } catch (e) {
      result.textContent = e.status === 403 ? t('error.forbidden', { message: e.message })
                                            : t('error.http', { status: e.status, message: e.message });
      result.className = 'error';
      result.hidden = false;
      if (e.status === 401) app.fail(e);
    }
  });
  root.append(h('h1', { text: t('tip.title') }), h('p', { text: t('tip.intro') }), form);
  url.focus();
  return {};
}
