// Small DOM helpers. Text always goes in as text nodes, never as HTML: nothing the server
// or a model's metadata holds can become markup.
const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// h('a', {href: '/ui/', class: 'x'}, 'text', child, [more]) -> an element.
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return prefix + '-' + idCounter;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
}

export function fmtNumber(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

// A <time> showing "3 min ago" with the exact UTC time as its title.
export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const t = Date.parse(iso);
  const s = Math.round((Date.now() - t) / 1000);
  let rel;
  if (s < 45) rel = 'just now';
  else if (s < 3600) rel = Math.round(s / 60) + ' min ago';
  else if (s < 86400) rel = Math.round(s / 3600) + ' h ago';
  else if (s < 86400 * 60) rel = Math.round(s / 86400) + ' days ago';
  else rel = iso.slice(0, 10);
  return h('time', { datetime: iso, title: iso }, rel);
}

// A coloured label whose text says what the colour says (colour is never the only cue).
export function badge(text, kind, attrs = {}) {
  return h('span', { ...attrs, class: 'badge badge-' + (kind || text || 'none') }, text || 'none');
}

export function stageBadge(stage, attrs = {}) {
  return badge(stage || 'none', 'stage-' + (stage || 'none'), attrs);
}

export function statusBadge(status) {
  const kind = {
    passed: 'ok', safe: 'ok', recorded: 'ok', failed: 'bad', unsafe: 'bad', error: 'bad',
    pending: 'wait', partial: 'warn', unknown: 'warn', skipped: 'muted',
  }[status] || 'muted';
  return badge(status || '—', kind);
}

// A button that copies `text` and says so for screen readers.
export function copyButton(text, label = 'Copy') {
  const b = h('button', { type: 'button', class: 'small', 'aria-label': label }, 'Copy');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy';
    }
    setTimeout(() => (b.textContent = 'Copy'), 1500);
  });
  return b;
}

export function section(title, ...children) {
  const id = uid('sec');
  return h('section', { 'aria-labelledby': id, class: 'card' }, h('h2', { id }, title), ...children);
}

// A table of rows: columns are {label, cell(row) -> node|string, cls}.
export function table(columns, rows, attrs = {}) {
  const head = h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.label)));
  const body = rows.map((r) => h('tr', null, columns.map((c) => h('td', { class: c.cls }, c.cell(r)))));
  return h('div', { class: 'scroll' }, h('table', attrs, h('thead', null, head), h('tbody', null, body)));
}

// Definition list from [label, value] pairs (values may be nodes).
export function facts(pairs) {
  return h('dl', { class: 'facts' },
    pairs.filter((p) => p).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

// A role=alert box showing an error as the server said it: "409 failed_precondition: ...".
export function errorBox(err) {
  const status = err && err.status ? err.status + ' ' : '';
  const code = err && err.code ? err.code + ': ' : '';
  return h('div', { class: 'error', role: 'alert' }, status + code + (err ? err.message : ''));
}

export function shortSha(sha) {
  return sha ? sha.slice(0, 12) + '…' : '—';
}

export function uiVersionHref(model, version) {
  return '/ui/models/' + encodeURIComponent(model) + '/versions/' + encodeURIComponent(version);
}

export function uiModelHref(model) {
  return '/ui/models/' + encodeURIComponent(model);
}

// Appends children to parent, skipping null/undefined/false and flattening arrays.
export function put(parent, ...children) {
  return build(parent, null, children);
}
