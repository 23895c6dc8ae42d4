// i18n.js — one dictionary file per language (web/i18n/LANG.json); Japanese
// is the default and the fallback for a key a dictionary lacks.
const dicts = {};
let current = 'ja';
export const LANGS = ['ja', 'en'];

async function load(lang) {
  if (!dicts[lang]) {
    const r = await fetch(`i18n/${lang}.json`, { cache: 'no-store' });
    if (!r.ok) throw new Error(`i18n/${lang}.json: ${r.status}`);
    dicts[lang] = await r.json();
  }
}

export async function setLang(lang) {
  if (!LANGS.includes(lang)) lang = 'ja';
  await load('ja');
  await load(lang);
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem('junkai.lang', lang);
  } catch {
    /* storage refused: the choice lasts for this page only */
  }
}

export function savedLang() {
  try {
    return localStorage.getItem('junkai.lang') || 'ja';
  } catch {
    return 'ja';
  }
}

export function lang() {
  return current;
}

export function t(key, vars) {
  let s = (dicts[current] && dicts[current][key]) ?? (dicts.ja && dicts.ja[key]) ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// Category label: the dictionary's, else the id itself.
export function category(id) {
  const k = 'cat.' + id;
  const s = t(k);
  return s === k ? id : s;
}

// Fill the static page's marked elements.
export function applyStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]'))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}
