// The page's drawings as inline SVG (no library): a bar chart, the production timeline and
// the lineage graph. Each has a text title for screen readers; links inside are real <a>s.
import { svg, uiVersionHref } from './dom.js';

// Horizontal bars of [label, count], largest first.
export function barChart(entries, title) {
  const rows = [...entries].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(b[0]));
  const max = Math.max(1, ...rows.map((r) => r[1]));
  const labelW = Math.min(220, 12 + 7.5 * Math.max(4, ...rows.map((r) => String(r[0]).length)));
  const barW = 360;
  const rowH = 20;
  const width = labelW + barW + 60;
  const height = rows.length * rowH + 4;
  const chart = svg('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': title + ': ' + rows.map((r) => r[0] + ' ' + r[1]).join(', '),
  }, svg('title', null, title));
  rows.forEach(([label, count], i) => {
    const y = i * rowH + 2;
    const w = Math.max(2, (count / max) * barW);
    chart.append(svg('g', null,
      svg('title', null, label + ': ' + count),
      svg('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end', class: 'chart-label' }, label),
      svg('rect', { x: labelW, y: y + 3, width: w, height: rowH - 6, rx: 2, class: 'bar' }),
      svg('text', { x: labelW + w + 5, y: y + 14, class: 'chart-value' }, String(count))));
  });
  return chart;
}

// Which version held a stage when: intervals [{version, from, until|null}] on a time axis.
export function timeline(model, intervals, title) {
  const now = Date.now();
  const spans = intervals.map((i) => ({
    version: i.version, from: Date.parse(i.from), until: i.until ? Date.parse(i.until) : now,
    open: !i.until,
  }));
  const t0 = Math.min(...spans.map((s) => s.from));
  const t1 = Math.max(now, ...spans.map((s) => s.until));
  const width = 720;
  const left = 10;
  const plotW = width - 2 * left;
  const height = 64;
  const x = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  const chart = svg('svg', {
    class: 'chart timeline', viewBox: `0 0 ${width} ${height}`, width, height,
    role: 'group', 'aria-label': title,
  }, svg('title', null, title));
  spans.forEach((s) => {
    const x0 = x(s.from);
    const w = Math.max(3, x(s.until) - x0);
    const label = `version ${s.version}: ${new Date(s.from).toISOString()} until ` +
      (s.open ? 'now' : new Date(s.until).toISOString());
    chart.append(svg('a', { href: uiVersionHref(model, s.version), 'aria-label': label },
      svg('title', null, label),
      svg('rect', { x: x0, y: 8, width: w, height: 30, class: 'span span-' + (s.version % 4) + (s.open ? ' open' : '') }),
      w > 24 ? svg('text', { x: x0 + 4, y: 28, class: 'span-label' }, 'v' + s.version) : null));
  });
  chart.append(
    svg('text', { x: left, y: 56, class: 'axis' }, new Date(t0).toISOString().slice(0, 16).replace('T', ' ')),
    svg('text', { x: width - left, y: 56, class: 'axis', 'text-anchor': 'end' }, 'now'));
  return chart;
}

const NODE_W = 150;
const NODE_H = 40;
const COL_GAP = 110;
const ROW_GAP = 14;

// Lays nodes out in columns (col: negative = upstream, 0 = this version, positive =
// downstream, refs in the column left of the version) and draws edges between them.
// nodes: [{id, col, label, sub, href|null, kind, onActivate?}], edges: [{from, to, label}].
export function lineageGraph(nodes, edges, title) {
  const cols = [...new Set(nodes.map((n) => n.col))].sort((a, b) => a - b);
  const byCol = new Map(cols.map((c) => [c, nodes.filter((n) => n.col === c)]));
  const tallest = Math.max(...[...byCol.values()].map((l) => l.length));
  const height = tallest * (NODE_H + ROW_GAP) + ROW_GAP;
  const width = cols.length * (NODE_W + COL_GAP) - COL_GAP + 20;
  const pos = new Map();
  cols.forEach((c, ci) => {
    const list = byCol.get(c);
    const top = (height - list.length * (NODE_H + ROW_GAP) + ROW_GAP) / 2;
    list.forEach((n, ri) => pos.set(n.id, { x: 10 + ci * (NODE_W + COL_GAP), y: top + ri * (NODE_H + ROW_GAP) }));
  });
  const chart = svg('svg', {
    class: 'chart lineage', viewBox: `0 0 ${width} ${height}`, width, height, role: 'group',
    'aria-label': title,
  }, svg('title', null, title),
  svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }))));
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const [l, r] = a.x <= b.x ? [a, b] : [b, a];
    const x1 = l.x + NODE_W;
    const y1 = l.y + NODE_H / 2;
    const x2 = r.x;
    const y2 = r.y + NODE_H / 2;
    const mx = (x1 + x2) / 2;
    chart.append(svg('g', { class: 'edge' },
      svg('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)' }),
      e.label ? svg('text', { x: mx, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle', class: 'edge-label' }, e.label) : null));
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const box = [
      svg('title', null, n.title || n.label),
      svg('rect', { x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6, class: 'node node-' + n.kind }),
      svg('text', { x: p.x + 8, y: p.y + 16, class: 'node-label' }, clip(n.label, 20)),
      svg('text', { x: p.x + 8, y: p.y + 32, class: 'node-sub' }, clip(n.sub || '', 24)),
    ];
    if (n.href) {
      chart.append(svg('a', { href: n.href, 'aria-label': n.title || n.label, 'data-node': n.id }, box));
    } else if (n.onActivate) {
      const g = svg('g', { tabindex: 0, role: 'button', 'aria-label': n.title || n.label, 'data-node': n.id, class: 'node-button' }, box);
      g.addEventListener('click', n.onActivate);
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          n.onActivate();
        }
      });
      chart.append(g);
    } else {
      chart.append(svg('g', { 'data-node': n.id }, box));
    }
  }
  return chart;
}

function clip(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
