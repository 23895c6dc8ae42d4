// app.js — the workbench's shell: session (login, reload, logout), the
// language switch, hash routing between the screens and the notice line.
// The UI hides what a role cannot do; the server decides (403 is shown).
import { api, ApiError, setCsrf } from './api.js';
import { t, setLang, savedLang, lang, applyStatic } from './i18n.js';
import { h } from './dom.js';
import { queueView } from './queue.js';
import { dashboardView } from './dashboard.js';
import { auditView } from './audit.js';
import { tipView } from './tip.js';
import { casesView } from './cases.js';
import { caseView } from './case.js';
import { itemView } from './item.js';
import { sourcesView } from './sources.js';
import { rulesView } from './rules.js';

const ROLES = { patroller: 1, supervisor: 2, admin: 3 };

const app = {
  user: null,
  view: null, // the current screen: {key(ev)?, close()?}
  hasRole(role) {
    return !!this.user && (ROLES[this.user.role] || 0) >= ROLES[role];
  },
  // links: [{href, text, id}] shown after the message (e.g. the case a
  // confirmation went into)
  notify(message, kind = 'info', links = []) {
    const n = document.getElementById('notice');
    n.textContent = message;
    for (const l of links) n.append(' ', h('a', { href: l.href, id: l.id, text: l.text }));
    n.className = kind;
    n.hidden = !message;
  },
  clearNotice() {
    this.notify('');
  },
  // A failed request as a message a person can act on.
  fail(err) {
    if (err instanceof ApiError) {
      if (err.status === 401) {
        this.user = null;
        setCsrf(null);
        this.notify(t('error.session'), 'error');
        route();
        return;
      }
      if (err.status === 403) {
        this.notify(t('error.forbidden', { message: err.message }), 'error');
        return;
      }
      if (err.status === 0) {
        this.notify(t('error.network', { message: err.message }), 'error');
        return;
      }
      this.notify(t('error.http', { status: err.status, message: err.message }), 'error');
      return;
    }
    this.notify(String(err && err.message || err), 'error');
  },
};

function shell() {
  const logged = !!app.user;
  document.getElementById('nav').hidden = !logged;
  document.getElementById('logout').hidden = !logged;
  const who = document.getElementById('whoami');
  who.hidden = !logged;
  who.textContent = logged ? t('whoami', { name: app.user.name, role: t('role.' + app.user.role) }) : '';
  for (const a of document.querySelectorAll('#nav [data-role]')) a.hidden = !app.hasRole(a.dataset.role);
  const { name } = parseHash();
  const section = { case: 'cases', item: 'queue' }[name] || name;
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('active', a.getAttribute('href') === '#/' + section);
}

function loginView(root) {
  const err = h('p', { class: 'error', id: 'login-error', role: 'alert', hidden: true });
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, maxlength: '64' });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: '1024' });
  const form = h('form', { id: 'login-form', class: 'login' },
    h('h1', { text: t('login.title') }),
    h('label', {}, h('span', { text: t('login.user') }), user),
    h('label', {}, h('span', { text: t('login.password') }), pass),
    h('button', { type: 'submit', id: 'login-submit', text: t('login.submit') }),
    err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    try {
      const r = await api('POST', '/api/session', { username: user.value, password: pass.value });
      setCsrf(r.csrf);
      app.user = r.user;
      app.clearNotice();
      if (!location.hash || location.hash === '#/login') location.hash = '#/queue';
      else route();
    } catch (e) {
      err.hidden = false;
      if (e instanceof ApiError && e.status === 401) err.textContent = t('login.wrong');
      else if (e instanceof ApiError && e.status === 429) err.textContent = t('login.limited');
      else err.textContent = t('error.http', { status: e.status ?? '', message: e.message });
    }
  });
  root.append(form);
  user.focus();
  return {};
}

const screens = {
  queue: queueView, dashboard: dashboardView, audit: auditView, tip: tipView,
  cases: casesView, case: caseView, item: itemView, sources: sourcesView, rules: rulesView,
};

// "#/case/12" → {name: "case", arg: "12"}
function parseHash() {
  const [name, arg] = (location.hash.replace(/^#\/?/, '') || 'queue').split('?')[0].split('/');
  return { name: name || 'queue', arg };
}

function route() {
  if (app.view && app.view.close) app.view.close();
  app.view = null;
  const root = document.getElementById('view');
  root.textContent = '';
  shell();
  if (!app.user) {
    app.view = loginView(root);
    return;
  }
  const { name, arg } = parseHash();
  const screen = screens[name] || screens.queue;
  app.view = screen(root, app, arg);
  window.scrollTo(0, 0);
}

async function logout() {
  try {
    await api('DELETE', '/api/session');
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      app.fail(e);
      return;
    }
  }
  app.user = null;
  app.queueFilters = null; // the next account starts from the plain queue
  app.queueCase = null;
  app.caseFilters = null;
  setCsrf(null);
  if (location.hash !== '#/login') location.hash = '#/login'; // hashchange routes
  else route();
  app.notify(t('logout.done'));
}

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const help = document.getElementById('help');
  if (ev.key === 'Escape' && !help.hidden) {
    help.hidden = true;
    ev.preventDefault();
    return;
  }
  const tag = (ev.target && ev.target.tagName) || '';
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(tag) || document.getElementById('reason-dialog').open) return;
  if (ev.key === '?' && app.user) {
    help.hidden = !help.hidden;
    ev.preventDefault();
    return;
  }
  if (!help.hidden) return;
  if (app.view && app.view.key && app.view.key(ev)) ev.preventDefault();
}

async function start() {
  await setLang(savedLang());
  const sel = document.getElementById('lang');
  sel.value = lang();
  applyStatic(document);
  sel.addEventListener('change', async () => {
    await setLang(sel.value);
    applyStatic(document);
    route();
  });
  document.getElementById('logout').addEventListener('click', logout);
  document.getElementById('help-close').addEventListener('click', () => {
    document.getElementById('help').hidden = true;
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', () => {
    if (app.user) app.clearNotice(); // keep "logged out" on the login form
    route();
  });
  try {
    const r = await api('GET', '/api/session');
    setCsrf(r.csrf);
    app.user = r.user;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) app.fail(e);
  }
  route();
  document.body.dataset.ready = '1';
}

start();
