// The Version page: facts and actions, artifacts (download links, curl commands), the
// inspections, the parity report, the other reports, lineage, "try it" and the audit events.
import { allPages, get, getOrNull, api, token, versionPath } from './api.js';
import { actionsPanel } from './actions.js';
import {
  badge, clear, copyButton, errorBox, facts, fmtBytes, h, put, section, shortSha, stageBadge, statusBadge, table, when,
} from './dom.js';
import { inspectionSection } from './inspect.js';
import { lineageSection } from './lineage.js';
import { tryItPanel } from './tryit.js';

function curlFor(a) {
  const auth = token() ? ' -H "Authorization: Bearer $MODELVAULT_TOKEN"' : '';
  return 'curl -fLO' + auth + ' ' + location.origin + a.url;
}

// With a token, a plain link cannot send it: fetch the bytes and save them instead.
async function download(e, a) {
  if (!token()) return;
  e.preventDefault();
  const res = await fetch(a.url, { headers: { Authorization: 'Bearer ' + token() } });
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = a.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function artifactsTable(v) {
  return table([
    { label: 'Name', cell: (a) => h('span', { class: 'mono' }, a.name) },
    { label: 'Kind', cell: (a) => a.kind },
    { label: 'Size', cell: (a) => fmtBytes(a.size), cls: 'num' },
    { label: 'SHA-256', cell: (a) => [h('code', { title: a.sha256 }, shortSha(a.sha256)), ' ', copyButton(a.sha256, 'Copy the SHA-256 of ' + a.name)] },
    { label: 'Safety', cell: (a) => [statusBadge(a.safety), a.quarantined ? [' ', badge('quarantined', 'bad')] : null] },
    { label: 'Download', cell: (a) => [
      h('a', { href: a.url, download: a.name, onclick: (e) => download(e, a) }, 'Download'), ' ',
      copyButton(curlFor(a), 'Copy a curl command that downloads ' + a.name)] },
  ], v.artifacts || [], { 'aria-label': 'Artifacts', id: 'artifacts' });
}

function diffTable(outputs, tol) {
  return table([
    { label: 'Output', cell: (o) => h('span', { class: 'mono' }, o.name) },
    { label: 'Max abs diff', cell: (o) => (o.problem ? o.problem : fmtDiff(o.max_abs_diff) + ' vs ' + tol.atol), cls: 'num' },
    { label: 'Max rel diff', cell: (o) => (o.problem ? '' : fmtDiff(o.max_rel_diff)), cls: 'num' },
    { label: 'Outside tolerance', cell: (o) => (o.elements !== undefined ? o.mismatched + ' of ' + o.elements : ''), cls: 'num' },
    { label: 'Result', cell: (o) => statusBadge(o.within ? 'passed' : 'failed') },
  ], outputs, { 'aria-label': 'Outputs compared' });
}

function fmtDiff(x) {
  return x === undefined || x === null ? '—' : Number(x).toExponential(2);
}

function parityReport(r) {
  const tol = r.tolerance || {};
  const lat = r.latency_ms;
  return [
    h('p', null, 'Status: ', statusBadge(r.status), ' · tolerance atol ', String(tol.atol), ', rtol ', String(tol.rtol)),
    table([
      { label: 'Check', cell: ([name]) => name },
      { label: 'Result', cell: ([, c]) => statusBadge(c.status) },
      { label: 'Message', cell: ([, c]) => c.message || '', cls: 'wide' },
    ], Object.entries(r.checks || {}), { 'aria-label': 'Parity checks', id: 'parity-checks' }),
    Object.entries(r.checks || {}).filter(([, c]) => c.outputs).map(([name, c]) =>
      [h('h3', null, name + ': outputs'), diffTable(c.outputs, tol)]),
    lat ? facts([['Latency (batch 1, ' + lat.runs + ' runs)',
      'mean ' + lat.mean.toFixed(3) + ' ms · p50 ' + lat.p50.toFixed(3) + ' ms · p99 ' + lat.p99.toFixed(3) + ' ms']]) : null,
    r.size ? facts([['ONNX size', fmtBytes(r.size.onnx_bytes) +
      (r.size.previous_onnx_bytes ? ' (previous version ' + fmtBytes(r.size.previous_onnx_bytes) + ')' : '')]]) : null,
    (r.warnings || []).length ? h('ul', { class: 'warnings' }, r.warnings.map((w) => h('li', null, w))) : null,
  ];
}

function paritySection(v, ctx) {
  const el = h('div', { id: 'parity', 'aria-live': 'polite' });
  const path = versionPath(v.model, v.version) + '/parity';
  const rerun = h('button', { type: 'button', onclick: async () => {
    try {
      await api('POST', path);
      load(0);
    } catch (e) {
      el.append(errorBox(e));
    }
  } }, 'Run the checks again');
  const load = async (round) => {
    try {
      const r = await getOrNull(path + (round ? '?wait=20' : ''));
      if (!r) {
        clear(el).append(h('p', { class: 'muted' }, 'Never checked.'), rerun);
        return;
      }
      clear(el).append(...parityReport(r).flat(2).filter(Boolean), rerun);
      el.dataset.status = r.status;
      if (r.status === 'pending' && round < 30 && !ctx.stale()) load(round + 1);
    } catch (e) {
      clear(el).append(errorBox(e));
    }
  };
  el.append(h('p', { class: 'muted' }, 'Loading the parity report…'));
  load(0);
  return el;
}

function otherReports(v) {
  const reports = Object.entries(v.reports || {}).filter(([k]) => k !== 'parity');
  if (reports.length === 0) return null;
  return section('Cross-artifact reports', reports.map(([kind, r]) => h('details', null,
    h('summary', null, kind + ' ', statusBadge(r.status)),
    h('pre', { class: 'json' }, JSON.stringify(r, null, 1)))));
}

async function auditSection(v) {
  const since = new Date(Date.parse(v.created_at) - 1000).toISOString();
  const { items, complete } = await allPages('/api/v1/audit', { model: v.model, since, limit: 1000 }, 'events', 5);
  const mine = items.filter((e) => e.version === v.version);
  return section('Audit events',
    mine.length === 0 ? h('p', { class: 'muted' }, 'No events.') : table([
      { label: 'When', cell: (e) => when(e.at) },
      { label: 'Who', cell: (e) => e.actor },
      { label: 'Action', cell: (e) => h('span', { class: 'mono' }, e.action) },
      { label: 'From → to', cell: (e) => (e.from || e.to ? (e.from || '') + ' → ' + (e.to || '') : '') },
      { label: 'Comment', cell: (e) => e.comment || '', cls: 'wide' },
      { label: 'Request', cell: (e) => h('span', { class: 'mono small' }, e.request_id || '') },
    ], mine, { 'aria-label': 'Audit events', id: 'audit' }),
    complete ? null : h('p', { class: 'muted' }, 'Showing the events of the first 5,000 after this version was made.'));
}

export async function renderVersion(view, model, ref, ctx) {
  const v = await get(versionPath(model, ref));
  put(view, 
    h('h1', null, v.model + ' ', h('span', { class: 'muted' }, 'version'), ' ' + v.version, ' ',
      stageBadge(v.stage, { id: 'stage-badge', 'data-stage': v.stage })),
    facts([
      ['State', v.state],
      ['Aliases', (v.aliases || []).length ? v.aliases.map((a) => badge('@' + a, 'alias')) : '—'],
      ['Created', when(v.created_at)],
      ['Stage changed', when(v.stage_changed_at)],
      v.description ? ['Description', v.description] : null,
    ]),
    Object.keys(v.meta || {}).length
      ? h('details', null, h('summary', null, 'Meta as uploaded'), h('pre', { class: 'json' }, JSON.stringify(v.meta, null, 1)))
      : null);
  const [actions, audit] = await Promise.all([actionsPanel(v, ctx), auditSection(v)]);
  const hasOnnx = (v.artifacts || []).some((a) => a.kind === 'onnx');
  put(view, actions,
    section('Artifacts', artifactsTable(v)),
    section('Inspection', inspectionSection(v)),
    section('Parity', paritySection(v, ctx)),
    otherReports(v),
    section('Lineage', lineageSection(v)),
    hasOnnx && v.state === 'sealed' ? tryItPanel(v.model, v.version) : null,
    audit);
}
