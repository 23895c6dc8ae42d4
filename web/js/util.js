// util.js — what several screens share: CSV made in the browser, a Blob
// download, times shown in the viewer's zone, file sizes, and the panel a
// screen shows when the server refuses it.
import { t } from './i18n.js';
import { h } from './dom.js';

// RFC 4180 text from a header row and rows of cells; CRLF line ends.
export function csvText(header, rows) {
  const cell = (v) => {
    const str = String(v ?? '');
    return /[",\r\n]/.test(str) ? '"' + str.replace(/"/g, '""') + '"' : str;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

// Offer text as a file (made here: nothing is sent anywhere).
export function downloadText(name, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// "2025-06-12T11:00:00Z" → "2025-06-12 20:00" in the viewer's zone; the
// UTC value stays in the title.
export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function timeEl(iso, cls) {
  return h('time', { class: cls, datetime: iso || undefined, title: iso || undefined, text: iso ? fmtTime(iso) : '—' });
}

export function fmtBytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function fmtHours(v) {
  return typeof v === 'number' ? v.toFixed(1) : '—';
}

// The screen's body when the API refused it (403) or failed.
export function refused(e) {
  return h('p', { class: 'refused', id: 'refused',
                  text: e.status === 403 ? t('refused', { message: e.message }) : t('error.http', { status: e.status ?? '', message: e.message }) });
}

// A one-segment route argument as a positive id, or null.
export function idArg(arg) {
  return /^[1-9][0-9]{0,17}$/.test(arg || '') ? Number(arg) : null;
}
