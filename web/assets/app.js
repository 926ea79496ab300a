// The page's entry: client-side routes for /ui/, /ui/models/{m}, /ui/models/{m}/versions/{v},
// the token box and the one alert line. Every page is rendered from the public API.
import { ApiError, setToken, token } from './api.js';
import { clear, h } from './dom.js';
import { renderModels } from './models.js';
import { renderModel } from './model.js';
import { renderVersion } from './version.js';

const main = document.getElementById('main');
const alertBox = document.getElementById('alert');
const crumbs = document.getElementById('crumbs');
let renderSeq = 0;

function route(pathname) {
  const parts = pathname.replace(/^\/ui\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'models' };
  if (parts[0] === 'models' && parts.length === 2) return { page: 'model', model: parts[1] };
  if (parts[0] === 'models' && parts.length === 4 && parts[2] === 'versions') {
    return { page: 'version', model: parts[1], version: parts[3] };
  }
  return { page: 'missing' };
}

export function showAlert(err) {
  if (!err) {
    alertBox.hidden = true;
    clear(alertBox);
    return;
  }
  const status = err.status ? err.status + ' ' : '';
  const code = err.code ? err.code + ': ' : '';
  clear(alertBox).append(status + code + err.message);
  if (err.status === 401) {
    alertBox.append(' — type a valid token in the box above.');
  }
  alertBox.hidden = false;
}

function setCrumbs(r) {
  const items = [h('a', { href: '/ui/' }, 'Models')];
  if (r.model) items.push(h('a', { href: '/ui/models/' + encodeURIComponent(r.model) }, r.model));
  if (r.version) items.push(h('span', { 'aria-current': 'page' }, 'version ' + r.version));
  clear(crumbs).append(...items.flatMap((x, i) => (i ? [' / ', x] : [x])));
}

export async function render() {
  const seq = ++renderSeq;
  const r = route(location.pathname);
  delete main.dataset.ready;
  main.setAttribute('aria-busy', 'true');
  showAlert(null);
  setCrumbs(r);
  const view = h('div');
  const ctx = { navigate, refresh: render, alert: showAlert, stale: () => seq !== renderSeq };
  try {
    if (r.page === 'models') {
      document.title = 'Models · modelvault';
      await renderModels(view, ctx);
    } else if (r.page === 'model') {
      document.title = r.model + ' · modelvault';
      await renderModel(view, r.model, ctx);
    } else if (r.page === 'version') {
      document.title = r.model + ' v' + r.version + ' · modelvault';
      await renderVersion(view, r.model, r.version, ctx);
    } else {
      view.append(h('h1', null, 'Not a page'), h('p', null, h('a', { href: '/ui/' }, 'Back to the models')));
    }
  } catch (e) {
    if (!(e instanceof ApiError)) console.error(e);
    showAlert(e instanceof ApiError ? e : new ApiError(0, 'page', String(e && e.message)));
  }
  if (seq !== renderSeq) return;
  clear(main).append(view);
  main.removeAttribute('aria-busy');
  main.dataset.ready = r.page;
}

export function navigate(href) {
  history.pushState(null, '', href);
  render().then(() => main.focus({ preventScroll: false }));
}

// Same-origin links under /ui/ (HTML and SVG <a>) route here instead of reloading the page.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a');
  if (!a || a.hasAttribute('download') || a.getAttribute('target')) return;
  const href = a.getAttribute('href') || (a.href && a.href.baseVal);
  if (!href || !href.startsWith('/ui')) return;
  e.preventDefault();
  navigate(href);
});
window.addEventListener('popstate', () => render());

function updateTokenState() {
  document.getElementById('token-state').textContent = token() ? 'token set for this tab' : 'no token';
}

document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('token-input');
  setToken(input.value.trim());
  input.value = '';
  updateTokenState();
  render();
});
document.getElementById('token-forget').addEventListener('click', () => {
  setToken('');
  updateTokenState();
  render();
});

updateTokenState();
render();
