// The lineage graph of a version: parents upstream (left), children downstream (right), and
// the run, datasets and commit it came from. Version nodes are links; a run, dataset or commit
// node lists every version that came from it.
import { get, versionPath, withQuery } from './api.js';
import { lineageGraph } from './charts.js';
import { clear, errorBox, h, uiVersionHref } from './dom.js';

const key = (n) => n.model + ':' + n.version;

function refLabel(r) {
  const short = r.kind === 'commit' || r.ref.startsWith('sha256:') ? r.ref.replace(/^sha256:/, '').slice(0, 12) : r.ref;
  return { label: r.kind + (r.detail ? ' · ' + r.detail : ''), sub: short };
}

async function showDownstream(out, r) {
  clear(out).append(h('p', { class: 'muted' }, 'Looking up versions from this ' + r.kind + '…'));
  try {
    const res = await get(withQuery('/api/v1/lineage', { [r.kind]: r.ref }));
    clear(out).append(h('h3', null, 'Versions from ' + r.kind + ' ', h('span', { class: 'mono' }, r.ref)),
      h('ul', null, res.versions.map((n) => h('li', null,
        h('a', { href: uiVersionHref(n.model, n.version) }, n.model + ' v' + n.version), ' (' + n.stage + ')'))));
  } catch (e) {
    clear(out).append(errorBox(e));
  }
}

export function lineageSection(v) {
  const el = h('div', null, h('p', { class: 'muted' }, 'Loading lineage…'));
  const base = versionPath(v.model, v.version) + '/lineage';
  Promise.all([get(base + '?direction=up&depth=8'), get(base + '?direction=down&depth=8')]).then(([up, down]) => {
    const out = h('div', { 'aria-live': 'polite' });
    const self = key(v);
    const nodes = new Map();
    nodes.set(self, { id: self, col: 0, kind: 'self', label: v.model + ' v' + v.version, sub: 'this version · ' + v.stage,
      title: 'this version: ' + v.model + ' version ' + v.version });
    const add = (n, sign, rel) => {
      const id = key(n);
      if (nodes.has(id)) return;
      nodes.set(id, { id, col: sign * Math.max(1, n.depth), kind: n.deleted ? 'deleted' : 'version',
        label: n.model + ' v' + n.version, sub: (sign < 0 ? 'parent' : 'child') + ' · ' + (n.deleted ? 'deleted' : n.stage),
        title: rel + ' ' + n.model + ' version ' + n.version, href: uiVersionHref(n.model, n.version) });
    };
    up.nodes.forEach((n) => add(n, -1, 'parent'));
    down.nodes.forEach((n) => add(n, 1, 'child'));
    const edges = [...up.edges, ...down.edges].map((e) => ({
      from: key(e.parent), to: key(e.child), label: e.relation === 'other' ? '' : e.relation,
    }));
    for (const r of up.refs || []) {
      const id = r.kind + ':' + r.ref;
      const { label, sub } = refLabel(r);
      nodes.set(id, { id, col: -1, kind: 'ref', label, sub, title: r.kind + ' ' + r.ref + ' (list the versions from it)',
        onActivate: () => showDownstream(out, r) });
      edges.push({ from: id, to: self, label: '' });
    }
    if (nodes.size === 1) {
      clear(el).append(h('p', { class: 'muted' }, 'No lineage recorded: upload with meta.lineage (parents, run, datasets, commit).'));
      return;
    }
    clear(el).append(h('div', { class: 'scroll' }, lineageGraph([...nodes.values()], edges, 'Lineage of ' + v.model + ' version ' + v.version)),
      h('p', { class: 'muted small' }, 'Select a version to open it; select a run, dataset or commit to list the versions made from it.'),
      out);
  }, (e) => clear(el).append(errorBox(e)));
  return el;
}
