// sources.js — the sources a patrol visits (GET /api/sources) with their
// last run: when it last completed (last_run_at), how the last run ended
// (last_ok, last_outcome: "source NAME: 3 new, 0 already stored" or the
// error, failures in a row) and a "run now" under way. An admin adds a source
// (POST /api/sources) and runs one now (POST /api/sources/{id}/run: the
// server starts `junkai patrol --source NAME`); the list refreshes every
// second while a run is going.
import { api } from './api.js';
import { t } from './i18n.js';
import { h } from './dom.js';
import { timeEl, refused } from './util.js';

const KINDS = ['feed', 'mastodon', 'misskey', 'x', 'web', 'jsonl'];

function every(seconds) {
  if (!seconds) return '—';
  if (seconds % 3600 === 0) return t('sources.hours', { n: seconds / 3600 });
  if (seconds % 60 === 0) return t('sources.minutes', { n: seconds / 60 });
  return t('sources.seconds', { n: seconds });
}

// How the source's last run ended, whoever ran it (the schedule, run now,
// `junkai patrol --source`): the outcome line, when, and how many runs in a
// row have failed.
function resultCell(s) {
  if (s.last_ok === null || s.last_ok === undefined) return h('td', { class: 'last-result', text: '—' });
  return h('td', { class: 'last-result ' + (s.last_ok ? 'ok' : 'bad'), 'data-ok': String(s.last_ok),
                   'data-failures': String(s.failures ?? 0) },
    h('span', { class: 'outcome', text: s.last_outcome || '' }),
    ' ', timeEl(s.last_attempt_at),
    s.failures > 1 ? h('div', { class: 'failures', text: t('sources.failures', { n: s.failures }) }) : null);
}

function runCell(s) {
  const run = s.run;
  if (!run) return h('td', { class: 'run', text: '—' });
  return h('td', { class: 'run run-' + run.state, 'data-state': run.state },
    h('strong', { text: t('sources.run.' + run.state) }), ' ',
    timeEl(run.finished_at || run.started_at), ' ', run.user || '',
    // the message when the outcome column does not already say it
    run.state === 'running' || !run.message || s.last_outcome === run.message
      ? null : h('div', { class: 'run-message', text: run.message }));
}

export function sourcesView(root, app) {
  const admin = app.hasRole('admin');
  const tbody = h('tbody');
  const body = h('div', { id: 'sources' });
  let timer = null;

  async function runNow(s) {
    try {
      await api('POST', `/api/sources/${s.id}/run`, {});
      app.notify(t('sources.started', { name: s.name }), 'ok');
    } catch (e) {
      app.fail(e);
    }
    load();
  }

  async function load() {
    let r;
    try {
      r = await api('GET', '/api/sources');
    } catch (e) {
      body.replaceChildren(refused(e));
      app.fail(e);
      return;
    }
    const sources = r.sources || [];
    tbody.replaceChildren(...sources.map((s) => h('tr', { 'data-name': s.name, 'data-id': String(s.id) },
      h('td', { class: 'name', text: s.name }),
      h('td', { text: s.kind }),
      h('td', {}, h('code', { class: 'target', text: s.target || '' })),
      h('td', { text: s.query || '' }),
      h('td', { text: every(s.every_seconds) }),
      h('td', { text: s.allow_private ? t('sources.private_yes') : '' }),
      h('td', {}, timeEl(s.last_run_at, 'last-run')),
      resultCell(s),
      runCell(s),
      h('td', {}, h('button', { type: 'button', class: 'run-now', text: t('sources.run_now'),
                                disabled: !admin || (s.run && s.run.state === 'running'),
                                title: admin ? undefined : t('sources.admin_only'),
                                onclick: () => runNow(s) })))));
    if (!sources.length) tbody.append(h('tr', {}, h('td', { colspan: '10', class: 'empty', text: t('sources.empty') })));
    tbody.dataset.loaded = String(Date.now());
    const running = sources.some((s) => s.run && s.run.state === 'running');
    clearTimeout(timer);
    if (running) timer = setTimeout(load, 1000);
  }

  const table = h('table', { id: 'sources-table' },
    h('thead', {}, h('tr', {}, ['name', 'kind', 'target', 'query', 'every', 'private', 'last_run', 'result', 'run', '']
      .map((k) => h('th', { text: k ? t('sources.col.' + k) : '' })))), tbody);
  body.append(table);

  // adding a source (admin)
  const kind = h('select', { id: 'src-kind', name: 'kind' }, KINDS.map((k) => h('option', { value: k, text: k })));
  const name = h('input', { id: 'src-name', name: 'name', required: true, maxlength: '64', pattern: '[A-Za-z0-9._@\\-]+' });
  const target = h('input', { id: 'src-target', name: 'target', maxlength: '2048', placeholder: 'https://' });
  const q = h('input', { id: 'src-query', name: 'query', maxlength: '2048' });
  const minutes = h('input', { id: 'src-every', name: 'every', type: 'number', min: '1', value: '60' });
  const priv = h('input', { id: 'src-private', name: 'allow_private', type: 'checkbox' });
  const form = h('form', { id: 'source-form', class: 'filters' },
    h('label', {}, h('span', { text: t('sources.col.kind') }), kind),
    h('label', {}, h('span', { text: t('sources.col.name') }), name),
    h('label', { class: 'wide' }, h('span', { text: t('sources.col.target') }), target),
    h('label', {}, h('span', { text: t('sources.col.query') }), q),
    h('label', {}, h('span', { text: t('sources.every_minutes') }), minutes),
    h('label', { class: 'check' }, priv, h('span', { text: t('sources.allow_private') })),
    h('button', { type: 'submit', id: 'src-add', text: t('sources.add') }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const payload = { kind: kind.value, name: name.value.trim(), every_seconds: Math.max(1, Number(minutes.value) || 60) * 60,
                      allow_private: priv.checked };
    if (target.value.trim()) payload.target = target.value.trim();
    if (q.value.trim()) payload.query = q.value.trim();
    try {
      await api('POST', '/api/sources', payload);
      app.notify(t('sources.added', { name: payload.name }), 'ok');
      form.reset();
      load();
    } catch (e) {
      app.fail(e);
    }
  });

  root.append(h('h1', { text: t('sources.title') }), h('p', { class: 'hint', text: t('sources.intro') }), body);
  if (admin) root.append(h('h2', { text: t('sources.add_title') }), form);
  load();
  return { close() { clearTimeout(timer); } };
}
