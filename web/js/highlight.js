// highlight.js — a post's text with its detections' spans marked. Spans are
// [start, end) byte offsets into the UTF-8 text: the text is encoded once and
// each piece decoded from its byte range, so offsets never meet UTF-16 indices.
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8');

// Merge the spans of all hits into sorted, non-overlapping ranges, each with
// the rules that mark it. Ranges outside the text are clipped or dropped.
export function mergeSpans(hits, byteLen) {
  const spans = [];
  for (const hit of hits || [])
    for (const sp of hit.spans || []) {
      if (!Array.isArray(sp) || sp.length !== 2) continue;
      const a = Math.max(0, Math.min(byteLen, sp[0] | 0));
      const b = Math.max(0, Math.min(byteLen, sp[1] | 0));
      if (b > a) spans.push({ a, b, rules: [hit.rule] });
    }
  spans.sort((x, y) => x.a - y.a || x.b - y.b);
  const out = [];
  for (const sp of spans) {
    const last = out[out.length - 1];
    if (last && sp.a <= last.b) {
      last.b = Math.max(last.b, sp.b);
      for (const r of sp.rules) if (!last.rules.includes(r)) last.rules.push(r);
    } else out.push({ ...sp, rules: [...sp.rules] });
  }
  return out;
}

// Pieces of the text: [{text, mark: bool, rules}].
export function segments(text, hits) {
  const bytes = enc.encode(text || '');
  const out = [];
  let at = 0;
  for (const sp of mergeSpans(hits, bytes.length)) {
    if (sp.a > at) out.push({ text: dec.decode(bytes.subarray(at, sp.a)), mark: false });
    out.push({ text: dec.decode(bytes.subarray(sp.a, sp.b)), mark: true, rules: sp.rules });
    at = sp.b;
  }
  if (at < bytes.length) out.push({ text: dec.decode(bytes.subarray(at)), mark: false });
  return out;
}

export function renderText(el, text, hits) {
  el.textContent = '';
  for (const seg of segments(text, hits)) {
    if (!seg.mark) {
      el.append(seg.text);
      continue;
    }
    const m = document.createElement('mark');
    m.textContent = seg.text;
    m.title = seg.rules.join(', ');
    m.dataset.rules = seg.rules.join(' ');
    el.append(m);
  }
}
