// The Model page: facts, the production timeline, and the versions table (sortable, loaded
// through the API's keyset pages; parity fetched only for the rows on screen).
import { ApiError, allPages, get, getOrNull, modelPath, versionPath, withQuery } from './api.js';
import { timeline } from './charts.js';
import { badge, clear, facts, fmtBytes, h, put, section, stageBadge, statusBadge, uiVersionHref, when } from './dom.js';
import { filterBox } from './models.js';
import { uploadForm } from './upload.js';

const PAGE = 100;
// Rows drawn at once: sorting orders every loaded version, the table draws the first ones.
const SHOWN = 200;

function safetyOf(v) {
  const arts = v.artifacts || [];
  if (arts.some((a) => a.quarantined)) return 'quarantined';
  if (arts.some((a) => a.safety === 'unsafe')) return 'unsafe';
  if (arts.some((a) => a.safety === 'unknown')) return 'unknown';
  return arts.length ? 'safe' : '—';
}

const sizeOf = (v) => (v.artifacts || []).reduce((s, a) => s + a.size, 0);

const COLUMNS = [
  { key: 'version', label: 'Version', value: (v) => v.version,
    cell: (v) => h('a', { href: uiVersionHref(v.model, v.version) }, 'v' + v.version) },
  { key: 'stage', label: 'Stage', value: (v) => v.stage, cell: (v) => stageBadge(v.stage) },
  { key: 'aliases', label: 'Aliases', value: (v) => (v.aliases || []).join(','),
    cell: (v) => (v.aliases || []).map((a) => badge('@' + a, 'alias')) },
  { key: 'size', label: 'Size', value: sizeOf, cell: (v) => fmtBytes(sizeOf(v)), cls: 'num' },
  { key: 'safety', label: 'Safety', value: safetyOf, cell: (v) => statusBadge(safetyOf(v)) },
  { key: 'parity', label: 'Parity', value: (v) => v.parityStatus || '', cell: null },
  { key: 'created', label: 'Created', value: (v) => v.created_at, cell: (v) => when(v.created_at) },
  { key: 'who', label: 'By', value: (v) => v.who || '', cell: (v) => v.who || '' },
];

// Loads versions page by page and draws them; `state.sort` orders the loaded rows.
class VersionsTable {
  constructor(model, filter, onFilterError) {
    this.model = model;
    this.filter = filter;
    this.onFilterError = onFilterError;
    this.rows = [];
    this.nextToken = '';
    this.done = false;
    this.sort = { key: 'version', dir: -1 };
    this.shown = SHOWN;
    this.parity = new Map();
    this.who = new Map();
    this.el = h('div', { 'aria-live': 'polite' });
    this.observer = new IntersectionObserver((entries) => this.onVisible(entries), { rootMargin: '200px' });
  }

  async loadPage() {
    const page = await get(withQuery(modelPath(this.model) + '/versions', {
      limit: PAGE, page_token: this.nextToken, filter: this.filter,
    }));
    this.rows.push(...page.versions);
    this.nextToken = page.next_page_token || '';
    this.done = !this.nextToken;
    await this.loadWho(page.versions);
  }

  // Who made each version: the actor of its version.create / version.draft audit event,
  // read from the oldest loaded version's creation time on.
  async loadWho(versions) {
    if (versions.length === 0) return;
    const times = versions.map((v) => Date.parse(v.created_at));
    const since = new Date(Math.min(...times) - 1000).toISOString();
    const until = new Date(Math.max(...times) + 1000).toISOString();
    for (const action of ['version.create', 'version.draft']) {
      const { items } = await allPages('/api/v1/audit', { model: this.model, action, since, until, limit: 1000 }, 'events', 5);
      for (const e of items) if (e.version && !this.who.has(e.version)) this.who.set(e.version, e.actor);
    }
  }

  async loadAll() {
    while (!this.done) await this.loadPage();
  }

  sorted() {
    const col = COLUMNS.find((c) => c.key === this.sort.key);
    const rows = this.rows.map((v) => ({ ...v, who: this.who.get(v.version), parityStatus: this.parity.get(v.version) }));
    return rows.sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      return (x < y ? -1 : x > y ? 1 : a.version - b.version) * this.sort.dir;
    });
  }

  headerCell(col) {
    const active = this.sort.key === col.key;
    const dir = active ? (this.sort.dir > 0 ? 'ascending' : 'descending') : 'none';
    return h('th', { scope: 'col', 'aria-sort': dir, class: col.cls },
      h('button', { type: 'button', class: 'sort', onclick: () => {
        this.sort = { key: col.key, dir: active ? -this.sort.dir : 1 };
        this.draw();
      } }, col.label, h('span', { 'aria-hidden': 'true' }, active ? (this.sort.dir > 0 ? ' ▲' : ' ▼') : '')));
  }

  parityCell(v) {
    const td = h('td', { 'data-parity': v.version });
    if (this.parity.has(v.version)) td.append(statusBadge(this.parity.get(v.version)));
    else {
      td.append(h('span', { class: 'muted' }, '…'));
      this.observer.observe(td);
    }
    return td;
  }

  onVisible(entries) {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      this.observer.unobserve(e.target);
      const n = Number(e.target.dataset.parity);
      getOrNull(versionPath(this.model, n) + '/parity').then((r) => {
        const status = r ? r.status : 'unchecked';
        this.parity.set(n, status);
        clear(e.target).append(statusBadge(status));
      }, () => clear(e.target).append(statusBadge('unknown')));
    }
  }

  draw() {
    this.observer.disconnect();
    const rows = this.sorted();
    const body = rows.slice(0, this.shown).map((v) => h('tr', { 'data-version': v.version },
      COLUMNS.map((c) => (c.key === 'parity' ? this.parityCell(v) : h('td', { class: c.cls }, c.cell(v))))));
    const hidden = rows.length - Math.min(rows.length, this.shown);
    const more = h('div', { class: 'row' },
      hidden ? h('button', { type: 'button', onclick: () => {
        this.shown = rows.length;
        this.draw();
      } }, 'Show the other ' + hidden + ' loaded rows') : null,
      this.done ? null : h('button', { type: 'button', onclick: () => this.run(() => this.loadPage()) }, 'Load ' + PAGE + ' more'),
      this.done ? null : h('button', { type: 'button', onclick: () => this.run(() => this.loadAll()) }, 'Load all'));
    put(clear(this.el),
      h('p', { class: 'muted' }, this.rows.length + ' versions loaded' + (this.done ? '' : ' (more on the server)') +
        (hidden ? ', the first ' + this.shown + ' in this order shown' : '') + '; sorting orders every loaded version.'),
      h('div', { class: 'scroll' }, h('table', { 'aria-label': 'Versions of ' + this.model, id: 'versions' },
        h('thead', null, h('tr', null, COLUMNS.map((c) => this.headerCell(c)))),
        h('tbody', null, body))),
      more);
  }

  async run(fn) {
    try {
      await fn();
      this.draw();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && this.onFilterError) this.onFilterError(e);
      else throw e;
    }
  }
}

export async function renderModel(view, model, ctx) {
  const m = await get(modelPath(model));
  const filter = new URLSearchParams(location.search).get('filter') || '';
  put(view, h('h1', null, m.name),
    m.description ? h('p', null, m.description) : null,
    facts([
      ['Versions', String(m.version_count)],
      ['Owner', m.owner || '—'],
      ['Created', when(m.created_at)],
      Object.keys(m.tags || {}).length ? ['Tags', Object.entries(m.tags).map(([k, v]) => badge(k + '=' + v, 'tag'))] : null,
    ]));

  const hist = await get(modelPath(model) + '/history?stage=production');
  put(view, section('Production over time',
    hist.timeline.length === 0
      ? h('p', { class: 'muted' }, 'No version has been in production yet.')
      : [timeline(model, hist.timeline, 'Which version held production when'),
        h('ol', { class: 'timeline-list' }, hist.timeline.map((i) => h('li', null,
          h('a', { href: uiVersionHref(model, i.version) }, 'v' + i.version), ' from ', when(i.from), ' until ',
          i.until ? when(i.until) : 'now')))]));

  const box = filterBox('Filter versions', filter, (f) => ctx.navigate(withQuery(location.pathname, { filter: f })));
  const vt = new VersionsTable(model, filter, (e) => box.showError(e));
  await vt.run(() => vt.loadPage());
  put(view, section('Versions', box, vt.el));
  put(view, section('Upload a new version', uploadForm({ model, onDone: (v) => ctx.navigate(uiVersionHref(v.model, v.version)) })));
}
