// Browser test of the web page (ctest label `browser`): the real modelvault binary on port 0
// with a temp data dir, Debian's chromium driven by playwright-core. Uploads through the form
// (the progress bar reaches 100 %), reads inspection and parity, promotes and rolls back,
// follows a lineage edge, runs "try it", checks a filter error's position, a model with 1,000
// versions, a refused promotion, a wrong token's 401, the layout on a narrow window; saves
// screenshots of the three pages and prints a version page's cold-load weight.
//
// usage: node web_page_test.mjs MODELVAULT PARITY_FIXTURES_DIR SCREENSHOT_DIR
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [modelvault, fixtures, shots] = process.argv.slice(2);
const CHROMIUM = process.env.MV_CHROMIUM || '/usr/bin/chromium';
const WEIGHT_GOAL = 200 * 1024;
const MLP = path.join(fixtures || '', 'mlp');
const FILES = ['model.onnx', 'weights.pt', 'traced.pt', 'reference.safetensors'].map((f) => path.join(MLP, f));

let server;
let base;
let adminToken = '';
let browser;
let work;
let serverErr = '';

async function startServer() {
  work = mkdtempSync(path.join(tmpdir(), 'mv-browser.'));
  const portFile = path.join(work, 'port');
  server = spawn(modelvault, ['serve', '--data-dir', path.join(work, 'data'), '--port', '0',
    '--port-file', portFile, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr.on('data', (d) => { serverErr += d; });
  for (let i = 0; i < 400 && !existsSync(portFile); i++) {
    if (server.exitCode !== null) throw new Error('server exited: ' + serverErr);
    await new Promise((r) => setTimeout(r, 50));
  }
  base = 'http://127.0.0.1:' + readFileSync(portFile, 'utf8').trim();
  const tokenFile = path.join(work, 'data', 'admin-token');
  if (existsSync(tokenFile)) adminToken = readFileSync(tokenFile, 'utf8').trim();
  console.log('# server at ' + base + (adminToken ? ' with an admin token' : ' without auth'));
}

// A page that may reach only the server under test (loopback); anything else is refused.
async function newPage(opts = {}) {
  const context = await browser.newContext({ viewport: opts.viewport || { width: 1280, height: 900 } });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.protocol === 'blob:' || u.protocol === 'data:') return route.continue();
    return route.abort();
  });
  if (opts.token !== undefined) {
    await context.addInitScript((t) => sessionStorage.setItem('modelvault.token', t), opts.token);
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('# page error: ' + e.message));
  return page;
}

async function typeToken(page, value) {
  await page.fill('#token-input', value);
  await page.click('#token-form button[type=submit]');
}

async function ready(page, which) {
  await page.waitForSelector(`main[data-ready="${which}"]`, { timeout: 30000 });
}

// Fills the upload form, submits it and records every value the progress bar showed.
async function uploadThroughForm(page, meta, model) {
  const form = page.locator('form.upload').last();
  if (model) await form.locator('input[name=model]').fill(model);
  await form.locator('input[type=file]').setInputFiles(FILES);
  await form.locator('textarea').fill(JSON.stringify(meta));
  await page.evaluate(() => {
    window.progressSeen = [];
    const bar = [...document.querySelectorAll('form.upload progress')].pop();
    new MutationObserver((records) => {
      for (const r of records) window.progressSeen.push(Number(r.target.getAttribute('value')));
    }).observe(bar, { attributes: true, attributeFilter: ['value'] });
  });
  await form.locator('button[type=submit]').click();
  await page.waitForFunction(() => (window.progressSeen || []).includes(100), null, { timeout: 60000 });
  return page.evaluate(() => window.progressSeen);
}

before(async () => {
  assert.ok(modelvault && fixtures && shots, 'usage: web_page_test.mjs MODELVAULT FIXTURES SCREENSHOTS');
  assert.ok(existsSync(CHROMIUM), CHROMIUM + ' is missing: scripts/setup-deps installs Debian\'s chromium');
  for (const f of FILES) assert.ok(existsSync(f), 'parity fixture missing: ' + f);
  mkdirSync(shots, { recursive: true });
  await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-default-apps', '--no-first-run', '--disable-domain-reliability',
      '--metrics-recording-only', '--disable-breakpad'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode === null) server.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the page and its assets carry the security headers', async () => {
  for (const p of ['/ui/', '/ui/models/x', '/ui/models/x/versions/1', '/ui/assets/app.js']) {
    const res = await fetch(base + p);
    assert.equal(res.status, 200, p);
    assert.equal(res.headers.get('content-security-policy'), "default-src 'self'; frame-ancestors 'none'");
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const again = await fetch(base + p, { headers: { 'If-None-Match': res.headers.get('etag') } });
    assert.equal(again.status, 304, p + ' revalidates');
  }
  assert.match((await fetch(base + '/ui/assets/app.js')).headers.get('content-type'), /^text\/javascript/);
  assert.equal((await fetch(base + '/ui/assets/nope.js')).status, 404);
  // Browsers offer brotli; the server answers gzip (httplib's brotli runs at quality 11).
  const js = await fetch(base + '/ui/assets/model.js', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
  assert.equal(js.headers.get('content-encoding'), 'gzip');
});

test('upload, inspect, parity, promote, roll back, aliases, lineage, try it', async () => {
  const page = await newPage();
  await page.goto(base + '/ui/');
  if (adminToken) await typeToken(page, adminToken);
  await ready(page, 'models');

  // Version 1 through the Models page's form (the model is created on the way).
  const seen1 = await uploadThroughForm(page, { description: 'parity fixture: MLP 4-8-3',
    lineage: { run: 'r-browser-1', dataset: 'sha256:' + 'ab'.repeat(32), commit: '9f1c2d3' } }, 'mlp');
  console.log('# upload 1 progress values: ' + seen1.join(' '));
  await page.waitForURL('**/ui/models/mlp/versions/1');
  await ready(page, 'version');
  assert.match(await page.textContent('h1'), /mlp\s+version\s+1/);

  // Inspection: the ONNX graph's inputs and op histogram; parity passed.
  const onnx = page.locator('[data-artifact="model.onnx"]');
  await onnx.locator('svg.chart').waitFor({ timeout: 30000 });
  assert.match(await onnx.textContent(), /Inputs[\s\S]*Outputs[\s\S]*Gemm/);
  await page.waitForSelector('#parity[data-status="passed"]', { timeout: 120000 });
  assert.match(await page.textContent('#parity-checks'), /reference\s*passed/);
  assert.match(await page.textContent('#parity'), /Max abs diff/);

  // Promote: the badge changes.
  assert.equal(await page.getAttribute('#stage-badge', 'data-stage'), 'none');
  await page.click('button[data-stage-to="production"]');
  await page.waitForSelector('#stage-badge[data-stage="production"]', { timeout: 30000 });

  // Try it: OIP inference with JSON inputs.
  await page.locator('section:has(h2:text("Try it")) button[type=submit]').click();
  await page.waitForSelector('#tryit-outputs', { timeout: 30000 });
  assert.match(await page.textContent('#tryit-outputs'), /FP32/);

  // Version 2 from the Model page, fine-tuned from version 1.
  await page.goto(base + '/ui/models/mlp');
  await ready(page, 'model');
  const seen2 = await uploadThroughForm(page, { lineage: { parents: [{ model: 'mlp', version: 1, relation: 'fine-tuned-from' }] } });
  console.log('# upload 2 progress values: ' + seen2.join(' '));
  await page.waitForURL('**/ui/models/mlp/versions/2');
  await ready(page, 'version');

  // Promote version 2 once its parity passed (the gate), then roll back to version 1.
  await page.waitForSelector('#parity[data-status="passed"]', { timeout: 120000 });
  await page.click('button[data-stage-to="production"]');
  await page.waitForSelector('#stage-badge[data-stage="production"]', { timeout: 30000 });
  await page.click('button[data-rollback="1"]');
  await page.waitForSelector('#stage-badge[data-stage="archived"]', { timeout: 30000 });

  // Point the alias "candidate" at version 2 (it moves to version 1 below).
  await page.getByLabel('Point an alias here').fill('candidate');
  await page.click('button:text("Set alias")');
  await page.waitForSelector('ul.aliases :text("@candidate")', { timeout: 30000 });

  // Follow the lineage edge to the parent.
  const parent = page.locator('svg.lineage a[data-node="mlp:1"]');
  await parent.waitFor({ timeout: 30000 });
  await parent.click();
  await page.waitForURL('**/ui/models/mlp/versions/1');
  await ready(page, 'version');
  assert.match(await page.textContent('h1'), /version\s+1/);
  assert.equal(await page.getAttribute('#stage-badge', 'data-stage'), 'production');
  // Its own graph shows the child, the run, the dataset and the commit.
  await page.locator('svg.lineage [data-node="mlp:2"]').waitFor();
  assert.equal(await page.locator('svg.lineage [data-node^="run:"]').count(), 1);
  await page.getByLabel('Point an alias here').fill('candidate');
  await page.click('button:text("Set alias")');
  await page.waitForSelector('ul.aliases :text("@candidate")', { timeout: 30000 });
  await page.waitForSelector('#parity[data-status="passed"]', { timeout: 60000 });
  await page.waitForSelector('[data-artifact="model.onnx"] svg.chart');
  await page.screenshot({ path: path.join(shots, 'version.png'), fullPage: true });

  // The Model page: the versions table and the production timeline.
  await page.goto(base + '/ui/models/mlp');
  await ready(page, 'model');
  assert.equal(await page.locator('#versions tbody tr').count(), 2);
  assert.match(await page.textContent('#versions tr[data-version="1"]'), /@candidate/, 'the alias moved to v1');
  assert.doesNotMatch(await page.textContent('#versions tr[data-version="2"]'), /@candidate/);
  await page.waitForSelector('#versions td[data-parity="1"] .badge-ok', { timeout: 30000 });
  assert.equal(await page.locator('svg.timeline a').count(), 3, 'v1, v2, v1 again');
  await page.screenshot({ path: path.join(shots, 'model.png'), fullPage: true });

  // The Models page: production version shown; a filter error names its position.
  const auth = adminToken ? { Authorization: 'Bearer ' + adminToken } : {};
  const patched = await fetch(base + '/api/v1/models/mlp', { method: 'PATCH', headers: auth,
    body: JSON.stringify({ description: 'MLP 4-8-3 of the parity fixtures', tags: { team: 'vision' } }) });
  assert.equal(patched.status, 200);
  await page.goto(base + '/ui/');
  await ready(page, 'models');
  assert.match(await page.textContent('table'), /mlp[\s\S]*v1/);
  await page.screenshot({ path: path.join(shots, 'models.png'), fullPage: false });
  await page.fill('form.filter input', "stage = 'production' AND");
  await page.click('form.filter button[type=submit]');
  await page.waitForSelector('form.filter pre.caret', { timeout: 10000 });
  assert.match(await page.textContent('form.filter'), /400 invalid_argument: .*position \d+/);
  await page.context().close();
});

test('a version page\'s cold load stays under 200 KB', async () => {
  const page = await newPage({ token: adminToken });
  let bytes = 0;
  let decoded = 0;
  let requests = 0;
  const pending = [];
  page.on('requestfinished', (req) => pending.push((async () => {
    const s = await req.sizes();
    bytes += s.responseBodySize + s.responseHeadersSize;
    const res = await req.response();
    const n = res ? (await res.body()).length : 0;
    decoded += n;
    requests += 1;
  })()));
  await page.goto(base + '/ui/models/mlp/versions/1', { waitUntil: 'networkidle' });
  await ready(page, 'version');
  await page.waitForSelector('#parity[data-status="passed"]');
  await page.waitForLoadState('networkidle');
  await Promise.all(pending);
  console.log(`# cold load of a version page: ${bytes} bytes transferred (bodies as sent plus headers; ` +
    `${decoded} bytes of bodies decoded) in ${requests} requests (goal < ${WEIGHT_GOAL})`);
  assert.ok(bytes > 0 && bytes < WEIGHT_GOAL, 'page weight ' + bytes);
  await page.context().close();
});

test('a model with 1,000 versions opens with one page and pages through the rest', async () => {
  const auth = adminToken ? { Authorization: 'Bearer ' + adminToken } : {};
  const made = await fetch(base + '/api/v1/models', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'many' }) });
  assert.equal(made.status, 201);
  const t0 = Date.now();
  let next = 0;
  const uploadOne = async () => {
    while (next < 1000) {
      next += 1;
      const fd = new FormData();
      fd.append('meta', '{}');
      fd.append('notes.txt', new Blob(['version ' + next + '\n']), 'notes.txt');
      const res = await fetch(base + '/api/v1/models/many/versions', { method: 'POST', headers: auth, body: fd });
      assert.equal(res.status, 201, await res.text());
    }
  };
  await Promise.all([uploadOne(), uploadOne(), uploadOne(), uploadOne()]);
  console.log('# 1,000 versions uploaded in ' + (Date.now() - t0) + ' ms');

  const page = await newPage({ token: adminToken });
  const pages = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/models/many/versions?')) pages.push(r.url());
  });
  const t1 = Date.now();
  await page.goto(base + '/ui/models/many');
  await ready(page, 'model');
  const first = Date.now() - t1;
  assert.equal(await page.locator('#versions tbody tr').count(), 100);
  assert.equal(await page.getAttribute('#versions tbody tr:first-child', 'data-version'), '1000');
  const t2 = Date.now();
  await page.click('button:text("Load all")');
  await page.waitForFunction(() => /^1000 versions loaded,/.test(document.querySelector('#versions').closest('div.scroll').previousElementSibling.textContent), null, { timeout: 60000 });
  const all = Date.now() - t2;
  assert.equal(pages.length, 10, 'ten keyset pages of 100');
  assert.ok(pages.slice(1).every((u) => u.includes('page_token=')));
  const t3 = Date.now();
  await page.click('#versions th:first-child button.sort');
  await page.waitForSelector('#versions tbody tr:first-child[data-version="1"]');
  const sorted = Date.now() - t3;
  await page.click('button:text("Show the other 800 loaded rows")');
  await page.waitForFunction(() => document.querySelectorAll('#versions tbody tr').length === 1000);
  assert.equal(await page.getAttribute('#versions tbody tr:last-child', 'data-version'), '1000');
  console.log(`# 1,000 versions: first page shown in ${first} ms, all 1,000 loaded in ${all} ms more, ` +
    `sorted in ${sorted} ms`);
  await page.context().close();
});

test('every control has a name and the keyboard reaches the content first', async () => {
  const page = await newPage({ token: adminToken });
  for (const url of ['/ui/', '/ui/models/mlp', '/ui/models/mlp/versions/1']) {
    await page.goto(base + url);
    await page.waitForSelector('main[data-ready]');
    await page.waitForLoadState('networkidle');
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, textarea, select, button, a, progress')]
      .filter((el) => {
        if (el.type === 'file') return false; // reached through its labelled drop zone
        const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') ||
          (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA' && el.textContent.trim());
        return !named;
      }).map((el) => el.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, [], url + ': controls without an accessible name');
    const drawings = await page.evaluate(() => [...document.querySelectorAll('svg.chart')]
      .filter((el) => !el.getAttribute('aria-label')).length);
    assert.equal(drawings, 0, url + ': drawings without a text alternative');
  }
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.context().close();
});

test('a narrow window needs no sideways scrolling of the page', async () => {
  const page = await newPage({ viewport: { width: 360, height: 740 }, token: adminToken });
  await page.goto(base + '/ui/models/mlp/versions/1');
  await ready(page, 'version');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, 'the page is ' + overflow + ' px wider than a 360 px window');
  await page.context().close();
});

test('a refused promotion shows the server\'s error', async () => {
  // A pickle whose reduce calls posix.system: stored quarantined, kept out of production.
  const pickle = Buffer.from('\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.', 'latin1');
  const auth = adminToken ? { Authorization: 'Bearer ' + adminToken } : {};
  assert.equal((await fetch(base + '/api/v1/models', { method: 'POST', headers: auth, body: '{"name":"risky"}' })).status, 201);
  const fd = new FormData();
  fd.append('meta', JSON.stringify({ parity: { skip: 'a pickle, nothing to run' } }));
  fd.append('evil.pkl', new Blob([pickle]), 'evil.pkl');
  const up = await fetch(base + '/api/v1/models/risky/versions', { method: 'POST', headers: auth, body: fd });
  assert.equal(up.status, 201, await up.text());
  const page = await newPage({ token: adminToken });
  await page.goto(base + '/ui/models/risky/versions/1');
  await ready(page, 'version');
  assert.match(await page.textContent('#artifacts'), /unsafe[\s\S]*quarantined/);
  await page.click('button[data-stage-to="production"]');
  await page.waitForSelector('.action-out .error');
  const shown = await page.textContent('.action-out .error');
  console.log('# refused promotion shows: ' + shown);
  assert.match(shown, /^409 failed_precondition: /);
  assert.equal(await page.getAttribute('#stage-badge', 'data-stage'), 'none');
  await page.context().close();
});

test('a wrong token shows the server\'s 401 message', async (t) => {
  const res = await fetch(base + '/api/v1/models', { headers: { Authorization: 'Bearer mv-wrong-token' } });
  const page = await newPage();
  await page.goto(base + '/ui/');
  await typeToken(page, 'mv-wrong-token');
  if (res.status !== 401) {
    console.log('# note: the server answered ' + res.status + ' to a wrong token (no auth in this build); ' +
      'the 401 assertion is skipped');
    t.skip('server without authentication');
    await page.context().close();
    return;
  }
  const body = await res.json();
  // Without a token the first render may already show a 401: wait for the wrong token's.
  await page.waitForFunction((m) => document.getElementById('alert').textContent.includes(m),
    body.error.message, { timeout: 10000 });
  const text = await page.textContent('#alert');
  assert.match(text, /^401 /);
  assert.ok(text.includes(body.error.message), 'the alert shows the server\'s message: ' + text);
  await page.context().close();
});
