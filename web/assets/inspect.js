// What the registry saw inside each artifact: the ONNX graph (inputs/outputs with shapes,
// the op histogram as a bar chart), the tensor inventory, findings and the safety verdict.
import { get } from './api.js';
import { barChart } from './charts.js';
import { badge, clear, errorBox, facts, fmtBytes, fmtNumber, h, statusBadge, table } from './dom.js';

const SHOW_TENSORS = 100;

function shape(s) {
  return '[' + (s || []).map((d) => (d === null ? '?' : d)).join(', ') + ']';
}

function ioTable(label, list) {
  return table([
    { label: 'Name', cell: (t) => h('span', { class: 'mono' }, t.name) },
    { label: 'Type', cell: (t) => t.elem_type || t.dtype || '' },
    { label: 'Shape', cell: (t) => h('span', { class: 'mono' }, shape(t.shape)) },
  ], list || [], { 'aria-label': label });
}

// The first array of {name, dtype|elem_type, shape} objects anywhere in the summary.
function findTensors(obj, depth = 0) {
  if (!obj || typeof obj !== 'object' || depth > 3) return null;
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v) && v.length && v[0] && typeof v[0] === 'object' && 'name' in v[0] &&
        ('shape' in v[0] || 'dtype' in v[0]) && k !== 'inputs' && k !== 'outputs') return v;
  }
  for (const v of Object.values(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const t = findTensors(v, depth + 1);
      if (t) return t;
    }
  }
  return null;
}

function tensorInventory(tensors) {
  if (!tensors || tensors.length === 0) return null;
  const shown = h('div');
  const draw = (n) => {
    clear(shown).append(table([
      { label: 'Tensor', cell: (t) => h('span', { class: 'mono' }, t.name) },
      { label: 'Type', cell: (t) => t.dtype || t.elem_type || '' },
      { label: 'Shape', cell: (t) => h('span', { class: 'mono' }, shape(t.shape)) },
      { label: 'Bytes', cell: (t) => (t.bytes !== undefined ? fmtBytes(t.bytes) : t.nbytes !== undefined ? fmtBytes(t.nbytes) : ''), cls: 'num' },
    ], tensors.slice(0, n), { 'aria-label': 'Tensors' }));
    if (tensors.length > n) {
      shown.append(h('button', { type: 'button', onclick: () => draw(tensors.length) }, 'Show all ' + tensors.length + ' tensors'));
    }
  };
  draw(SHOW_TENSORS);
  return h('div', null, h('h4', null, 'Tensors (' + tensors.length + ')'), shown);
}

function findingsList(findings) {
  if (!findings || findings.length === 0) return h('p', { class: 'muted' }, 'No findings.');
  return table([
    { label: 'Severity', cell: (f) => badge(f.level, 'sev-' + f.level) },
    { label: 'Code', cell: (f) => h('span', { class: 'mono' }, f.code) },
    { label: 'Message', cell: (f) => f.message, cls: 'wide' },
  ], findings, { 'aria-label': 'Findings' });
}

function onnxDetails(s) {
  const g = s.graph || {};
  const opsets = Object.entries(s.opset_import || {}).map(([d, v]) => d + ' ' + v).join(', ');
  return [
    facts([
      ['IR version', String(s.ir_version ?? '—')], ['Opsets', opsets || '—'],
      ['Producer', [s.producer_name, s.producer_version].filter(Boolean).join(' ') || '—'],
      ['Checker', String(s.checker ?? '—')], ['Nodes', fmtNumber(g.node_count)],
      ['Parameters', fmtNumber(g.parameter_count)],
      ['Initializers', fmtNumber(g.initializer_count) + ' (' + fmtBytes(g.initializer_bytes) + ')'],
    ]),
    h('h4', null, 'Inputs'), ioTable('Inputs', g.inputs),
    h('h4', null, 'Outputs'), ioTable('Outputs', g.outputs),
    g.op_histogram ? [h('h4', null, 'Operators'),
      h('div', { class: 'scroll' }, barChart(Object.entries(g.op_histogram), 'Operator histogram'))] : null,
  ];
}

function artifactInspection(a, ins) {
  const s = ins.summary || {};
  return h('article', { class: 'inspection', 'data-artifact': a.name },
    h('h3', null, h('span', { class: 'mono' }, a.name), ' ', statusBadge(ins.safety), a.quarantined ? statusBadge('quarantined') : null),
    h('p', { class: 'verdict' }, h('strong', null, 'Verdict: '), ins.verdict || '—'),
    ins.kind === 'onnx' ? onnxDetails(s) : null,
    tensorInventory(findTensors(s)),
    h('h4', null, 'Findings'), findingsList(ins.findings),
    h('details', null, h('summary', null, 'Full inspection JSON'), h('pre', { class: 'json' }, JSON.stringify(s, null, 1))));
}

export function inspectionSection(v) {
  const el = h('div');
  const arts = v.artifacts || [];
  if (arts.length === 0) {
    el.append(h('p', { class: 'muted' }, 'No artifacts.'));
    return el;
  }
  Promise.all(arts.map((a) => get(a.inspection_url).then((ins) => artifactInspection(a, ins), (e) => errorBox(e))))
    .then((parts) => clear(el).append(...parts));
  el.append(h('p', { class: 'muted' }, 'Loading inspections…'));
  return el;
}
