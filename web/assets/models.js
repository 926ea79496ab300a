// The Models page: the list (keyset pages), a search box taking the filter language, each
// model's production version and last change; and the upload form for a new version.
import { ApiError, eachLimited, get, getOrNull, modelPath, withQuery } from './api.js';
import { clear, errorBox, h, put, section, table, uid, uiModelHref, uiVersionHref, when } from './dom.js';
import { uploadForm } from './upload.js';

const PAGE = 50;

// A search box for the filter language. A 400 whose message names a position is shown
// with the filter and a caret under that character.
export function filterBox(label, value, onSubmit) {
  const id = uid('filter');
  const errId = id + '-error';
  const input = h('input', {
    id, type: 'search', value, spellcheck: 'false', class: 'mono grow',
    placeholder: "stage = 'production' AND tags.team = 'vision'", 'aria-describedby': id + '-help ' + errId,
  });
  const err = h('div', { id: errId, 'aria-live': 'polite' });
  const form = h('form', { class: 'filter', role: 'search' },
    h('label', { for: id }, label),
    h('div', { class: 'row' }, input, h('button', { type: 'submit' }, 'Search')),
    h('p', { id: id + '-help', class: 'muted small' },
      'Fields: name, model, description, stage, alias, version, created_at, tags.KEY, params.KEY, ',
      'metrics.KEY; operators = != < <= > >= IN LIKE, joined by AND, OR, NOT and parentheses.'),
    err);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit(input.value.trim());
  });
  form.showError = (e) => {
    clear(err);
    input.removeAttribute('aria-invalid');
    if (!e) return;
    input.setAttribute('aria-invalid', 'true');
    err.append(errorBox(e));
    const m = /position (\d+)/.exec(e.message || '');
    if (m) {
      const pos = Number(m[1]);
      err.append(h('pre', { class: 'caret', 'aria-hidden': 'true' }, input.value + '\n' + ' '.repeat(Math.max(0, pos - 1)) + '^'));
    }
  };
  return form;
}

function latestOf(times) {
  return times.filter(Boolean).sort().pop() || null;
}

// Production holders of the listed models, in one request.
async function productionOf(names) {
  if (names.length === 0) return new Map();
  const filter = 'model IN (' + names.map((n) => "'" + n.replace(/'/g, "''") + "'").join(',') + ')';
  const page = await get(withQuery('/api/v1/versions', { stage: 'production', filter, limit: 1000 }));
  return new Map(page.versions.map((v) => [v.model, v]));
}

export async function renderModels(view, ctx) {
  const params = new URLSearchParams(location.search);
  const filter = params.get('filter') || '';
  put(view, h('h1', null, 'Models'));
  const box = filterBox('Filter models', filter, (f) => ctx.navigate(withQuery('/ui/', { filter: f })));
  put(view, box);
  const listArea = h('div', { 'aria-live': 'polite' });
  put(view, listArea);

  const tokens = [''];
  const showPage = async (i) => {
    let page;
    try {
      page = await get(withQuery('/api/v1/models', { filter, limit: PAGE, page_token: tokens[i] }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        box.showError(e);
        return;
      }
      throw e;
    }
    box.showError(null);
    if (page.next_page_token) tokens[i + 1] = page.next_page_token;
    const prod = await productionOf(page.models.map((m) => m.name));
    const last = new Map();
    await eachLimited(page.models, 6, async (m) => {
      const newest = m.version_count ? await getOrNull(modelPath(m.name) + '/versions?limit=1') : null;
      const v = newest && newest.versions[0];
      const p = prod.get(m.name);
      last.set(m.name, latestOf([m.updated_at, v && v.created_at, v && v.stage_changed_at, p && p.stage_changed_at]));
    });
    const rows = page.models;
    put(clear(listArea),
      rows.length === 0
        ? h('p', { class: 'muted' }, filter ? 'No model matches this filter.' : 'No models yet: upload a version below.')
        : table([
          { label: 'Model', cell: (m) => h('a', { href: uiModelHref(m.name) }, m.name) },
          { label: 'Description', cell: (m) => m.description || '', cls: 'wide' },
          { label: 'Versions', cell: (m) => String(m.version_count), cls: 'num' },
          { label: 'Production', cell: (m) => {
            const p = prod.get(m.name);
            return p ? h('a', { href: uiVersionHref(m.name, p.version) }, 'v' + p.version) : h('span', { class: 'muted' }, 'none');
          } },
          { label: 'Last change', cell: (m) => when(last.get(m.name)) },
          { label: 'Owner', cell: (m) => m.owner || '' },
        ], rows, { 'aria-label': 'Models' }),
      pager(i, Boolean(page.next_page_token), (j) => showPage(j).catch(ctx.alert)));
  };
  await showPage(0);

  put(view, section('Upload a version',
    h('p', { class: 'muted' }, 'The model is created when it does not exist yet.'),
    uploadForm({ onDone: (v) => ctx.navigate(uiVersionHref(v.model, v.version)) })));
}

export function pager(i, hasNext, show) {
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', disabled: i === 0, onclick: () => show(i - 1) }, 'Previous page'),
    h('span', { class: 'muted' }, ' page ' + (i + 1) + ' '),
    h('button', { type: 'button', disabled: !hasNext, onclick: () => show(i + 1) }, 'Next page'));
}

