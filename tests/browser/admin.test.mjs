// The admin token on the models and feedback pages (refused without it or with a wrong one;
// promote, switch and delete with it), the feedback counts per label and serving version, and
// every page at phone width. Works on a copy of the models folder, since it adds, switches and
// deletes versions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SHOTS, startServer, startBrowser, openHydrated, screenshot } from './harness.mjs';

const MODELS = process.env.POTABLE_TEST_MODELS;
const TOKEN = randomBytes(24).toString('hex');
const SAMPLE = { ph: 7.0, Hardness: 200, Solids: 20000, Chloramines: 7.5, Sulfate: 350,
  Conductivity: 400, Organic_carbon: 14, Trihalomethanes: 70, Turbidity: 4 };
let server;
let browser;

before(async () => {
  assert.ok(MODELS, 'POTABLE_TEST_MODELS must name a models folder with a trained version');
  const copy = join(mkdtempSync(join(tmpdir(), 'potable-admin-')), 'models');
  cpSync(MODELS, copy, { recursive: true });
  server = await startServer(copy, ['--admin-token', TOKEN,
    '--params', join(ROOT, 'tests', 'fixtures', 'params-fast.yaml'),
    '--data', join(ROOT, 'Data-set', 'water_potability.csv')]);
  browser = await startBrowser();
});

after(async () => {
  await browser?.context.close();
  await server?.stop();
});

/** GET `path` from the server as JSON, asserting a 200. */
async function getJson(path) {
  const r = await fetch(server.url + path);
  assert.equal(r.status, 200, `GET ${path}`);
  return r.json();
}

/** The registry as the REST API reports it: { active, statuses: { name: status } }. */
async function registry() {
  const body = await getJson('/models/versions');
  return { active: body.active,
    statuses: Object.fromEntries(body.versions.map((v) => [v.version, v.status])) };
}

/** The versions table as { name: status }. */
async function statuses(page) {
  return page.$$eval('#versions-table tbody tr',
    (rows) => Object.fromEntries(rows.map((r) => [r.dataset.version, r.dataset.status])));
}

/** Clicks `action` on `version`'s row, enters `token` in the confirmation and confirms; resolves
 * once the confirmation has closed (the server answered) to the message shown. */
async function act(page, action, version, token) {
  await page.click(`#versions-table tr[data-version="${version}"] button.${action}`);
  await page.waitForSelector('#confirm-box');
  const verb = action[0].toUpperCase() + action.slice(1);
  assert.equal((await page.textContent('#confirm-text')).trim(), `${verb} ${version}?`);
  await page.waitForSelector('#confirm-box #admin-token', { state: 'visible', timeout: 5_000 });
  await page.fill('#admin-token', token);
  await page.click('#confirm-button');
  await page.waitForSelector('#confirm-box', { state: 'detached', timeout: 15_000 });
  const message = page.locator('#action-message');
  return { text: (await message.textContent()).trim(), kind: await message.getAttribute('class'),
    role: await message.getAttribute('role') };
}

/** Polls GET /retrain/status until job `id` has finished; returns it. */
async function finishedJob(id) {
  for (let i = 0; i < 240; i += 1) {
    const status = await getJson('/retrain/status');
    if (status.job?.id === id && !status.running) return status.job;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  throw new Error('the retrain did not finish within 120 s');
}

/** A refused server function answers 401, as the JSON API does, which Chromium logs as a
 * console error: takes exactly `n` of those (one per refusal) out of the collected errors,
 * leaving no other. */
function takeRefusals(n) {
  const refused = 'Failed to load resource: the server responded with a status of 401 (Unauthorized)';
  assert.deepEqual(browser.errors, Array(n).fill(refused));
  browser.errors.length = 0;
}

function postJson(path, body, headers = {}) {
  return fetch(server.url + path, { method: 'POST',
    headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

test('the feedback page counts feedback per true label and serving version', async () => {
  const start = await registry();
  assert.deepEqual(start, { active: 'V1', statuses: { V1: 'active' } });
  for (const [i, label] of [1, 1, 0].entries()) {
    const r = await postJson('/feedback',
      { water_quality: { ...SAMPLE, ph: 6 + i }, actual_potability: label });
    const body = await r.json();
    assert.equal(r.status, 201, JSON.stringify(body));
    assert.equal(body.prediction.model_version, 'V1');
  }
  const page = await openHydrated(browser.context, server.url + '/retraining');
  assert.equal((await page.textContent('#feedback-total')).trim(), '3 feedback rows');
  const rows = await page.$$eval('#feedback-table tbody tr',
    (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual(rows.sort(), [['V1', 'Not Potable', '1'], ['V1', 'Potable', '2']],
    JSON.stringify(rows));
  // The token is asked for on this page, since the server has one.
  assert.equal(await page.isVisible('#admin-token'), true);
  assert.deepEqual(browser.errors, []);
});

test('retrain from the feedback page is refused without or with a wrong token, works with it', async () => {
  const page = await openHydrated(browser.context, server.url + '/retraining');
  await page.click('#retrain-button');
  await page.waitForSelector('#retrain-status[data-state="error"]', { timeout: 15_000 });
  assert.match(await page.textContent('#retrain-status'), /needs the admin token/);
  assert.equal(await page.getAttribute('#retrain-status', 'role'), 'alert');

  await page.fill('#admin-token', `${TOKEN}x`);
  await page.click('#retrain-button');
  await page.waitForFunction(
    () => /admin token is wrong/.test(document.querySelector('#retrain-status')?.textContent ?? ''),
    null, { timeout: 15_000 });
  assert.equal(await page.getAttribute('#retrain-status', 'data-state'), 'error');
  // Nothing was started or registered.
  assert.equal((await getJson('/retrain/status')).job, null);
  assert.deepEqual(await registry(), { active: 'V1', statuses: { V1: 'active' } });
  takeRefusals(2);

  await page.fill('#admin-token', TOKEN);
  await page.click('#retrain-button');
  await page.waitForSelector('#retrain-status[data-state="succeeded"], #retrain-status[data-state="failed"]',
    { timeout: 120_000 });
  const text = await page.textContent('#retrain-status');
  assert.equal(await page.getAttribute('#retrain-status', 'data-state'), 'succeeded', text);
  const promoted = /^V2 was promoted/.test(text);
  assert.ok(promoted || /^V2 was kept as a candidate/.test(text), text);

  const job = (await getJson('/retrain/status')).job;
  assert.equal(job.outcome.version, 'V2');
  assert.equal(job.outcome.promoted, promoted);
  assert.equal(job.actor, 'admin');
  const after = await registry();
  assert.deepEqual(after, promoted
    ? { active: 'V2', statuses: { V1: 'candidate', V2: 'active' } }
    : { active: 'V1', statuses: { V1: 'active', V2: 'candidate' } });
  const v2 = (await getJson('/models/versions')).versions.find((v) => v.version === 'V2');
  assert.equal(v2.feedback_rows, 3, 'the three feedback rows were used');
  await screenshot(page, 'feedback-admin-retrained');
  assert.deepEqual(browser.errors, []);
});

test('switch, promote and delete without the token or with a wrong one: an error, nothing changes', async () => {
  const page = await openHydrated(browser.context, server.url + '/models');
  const start = await registry();
  const history = (await getJson('/models/history')).history;
  const candidate = Object.keys(start.statuses).find((v) => start.statuses[v] === 'candidate');
  assert.ok(candidate, JSON.stringify(start));
  assert.deepEqual(await statuses(page), start.statuses);
  for (const action of ['switch', 'promote', 'delete']) {
    for (const [token, expected] of [['', /^token: this operation needs the admin token$/],
      [`wrong-${TOKEN}`, /^token: the admin token is wrong$/]]) {
      const shown = await act(page, action, candidate, token);
      const what = `${action} with ${token ? 'a wrong' : 'no'} token`;
      assert.match(shown.text, expected, what);
      assert.equal(shown.kind, 'error', what);
      assert.equal(shown.role, 'alert', what);
      assert.deepEqual(await registry(), start, what);
      assert.deepEqual((await getJson('/models/history')).history, history, what);
      assert.deepEqual(await statuses(page), start.statuses, what);
    }
  }
  await screenshot(page, 'models-wrong-token');
  takeRefusals(6);
});

test('with the token: promote activates a candidate, delete removes one, numbers are not reused', async () => {
  const page = await openHydrated(browser.context, server.url + '/models');
  const start = await registry();
  const candidate = Object.keys(start.statuses).find((v) => start.statuses[v] === 'candidate');
  const active = start.active;

  // Promote the candidate.
  let shown = await act(page, 'promote', candidate, TOKEN);
  assert.equal(shown.text, `${candidate} is now active (was ${active}).`);
  assert.equal(shown.kind, 'ok');
  await page.waitForSelector(`#versions-table tr[data-version="${candidate}"][data-status="active"]`,
    { timeout: 15_000 });
  assert.deepEqual(await statuses(page), { [candidate]: 'active', [active]: 'candidate' });
  assert.deepEqual(await registry(),
    { active: candidate, statuses: { [candidate]: 'active', [active]: 'candidate' } });
  const last = (await getJson('/models/history')).history.at(-1);
  assert.deepEqual([last.from, last.to, last.actor], [active, candidate, 'admin']);

  // Make V1 the active one (switch with the token when needed), so the newest, V2, can go.
  if (candidate === 'V2') {
    shown = await act(page, 'switch', 'V1', TOKEN);
    assert.equal(shown.text, 'V1 is now active (was V2).');
    await page.waitForSelector('#versions-table tr[data-version="V1"][data-status="active"]',
      { timeout: 15_000 });
  }
  assert.deepEqual(await registry(), { active: 'V1', statuses: { V1: 'active', V2: 'candidate' } });
  // The active version cannot be deleted from the page.
  assert.equal(await page.isDisabled('#versions-table tr[data-version="V1"] button.delete'), true);

  shown = await act(page, 'delete', 'V2', TOKEN);
  assert.equal(shown.text, 'V2 was deleted.');
  assert.equal(shown.kind, 'ok');
  await page.waitForSelector('#versions-table tr[data-version="V2"]', { state: 'detached', timeout: 15_000 });
  assert.deepEqual(await statuses(page), { V1: 'active' });
  assert.deepEqual(await registry(), { active: 'V1', statuses: { V1: 'active' } });
  assert.equal((await fetch(server.url + '/models/V2')).status, 404);

  // A later retrain (REST, bearer token) registers V3, not V2 again.
  const feedback = { water_quality: SAMPLE, actual_potability: 1 };
  assert.equal((await postJson('/retrain', feedback)).status, 401);
  assert.equal((await postJson('/retrain', feedback, { authorization: 'Bearer wrong' })).status, 401);
  const r = await postJson('/retrain', feedback, { authorization: `Bearer ${TOKEN}` });
  assert.equal(r.status, 202);
  const job = await finishedJob((await r.json()).job_id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
  assert.equal(job.outcome.version, 'V3');
  const now = await registry();
  assert.deepEqual(Object.keys(now.statuses).sort(), ['V1', 'V3']);
  await page.reload();
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
  assert.deepEqual(await statuses(page), now.statuses);
  await screenshot(page, 'models-admin');
  assert.deepEqual(browser.errors, []);
});

/** Width and height of a PNG file, from its IHDR chunk. */
function pngSize(path) {
  const bytes = readFileSync(path);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('phone width (390x844): no page is wider than the screen', async () => {
  const csv = 'ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity\n'
    + '7.0,200,20000,7.5,350,400,14,70,4.0\n'
    + '15.2,150,18000,6.1,300,450,10,55,3.1\n';
  // Each page with what it shows once there is something to show.
  const pages = [
    ['/', 'phone-predict', async (page) => {
      await page.click('#predict-button');
      await page.waitForSelector('#verdict', { timeout: 15_000 });
      // The result card is below the form on a phone: it is scrolled into view.
      await page.waitForFunction(() => {
        const box = document.querySelector('#verdict').getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
      }, null, { timeout: 5_000 });
    }],
    ['/batch', 'phone-batch', async (page) => {
      await page.setInputFiles('#batch-file', { name: 'samples.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.click('#batch-button');
      await page.waitForSelector('#batch-table', { timeout: 15_000 });
    }],
    ['/monitoring', 'phone-monitoring', async (page) => {
      // The prediction log is written in the background: wait for the drift table.
      for (let i = 0; i < 20 && !(await page.$('#drift-table')); i += 1) {
        await new Promise((ok) => setTimeout(ok, 250));
        await page.click('#monitoring-refresh');
      }
      await page.waitForSelector('#drift-table', { timeout: 15_000 });
    }],
    ['/models', 'phone-models', async (page) => {
      await page.waitForSelector('#versions-table');
      // Each version is a card: its status and action buttons are on screen, not scrolled away.
      const outside = await page.$$eval('#versions-table tr[data-version] :is(.status, button)',
        (els) => els.filter((el) => el.getBoundingClientRect().right > window.innerWidth)
          .map((el) => el.textContent.trim()));
      assert.deepEqual(outside, [], 'status or actions off screen at phone width');
      const statuses = await page.locator('#versions-table .status').count();
      assert.ok(statuses >= 1, 'no version status shown');
    }],
    ['/retraining', 'phone-retraining', (page) => page.waitForSelector('#feedback-table')],
  ];
  const overflow = {};
  const offenders = {};
  const shotWidth = {};
  for (const [path, name, fill] of pages) {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(server.url + path);
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
    await fill(page);
    overflow[name] = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    // For the message: elements sticking out of the screen that no scrolling box contains.
    offenders[name] = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .filter((el) => !el.parentElement.closest('.table-wrap, [style*="overflow"]'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().replace(/\s+/g, '.')}` : ''}`));
    await screenshot(page, name);
    shotWidth[name] = pngSize(join(SHOTS, `${name}.png`)).width;
    await page.close();
  }
  const wide = Object.entries(overflow).filter(([, px]) => px > 0);
  assert.deepEqual(wide, [], `wider than the phone: ${JSON.stringify(wide)}; offenders ${JSON.stringify(offenders)}`);
  // The full-page screenshots are as wide as the phone, too.
  assert.deepEqual(Object.values(shotWidth), [390, 390, 390, 390, 390], JSON.stringify(shotWidth));
  assert.deepEqual(Object.keys(overflow), ['phone-predict', 'phone-batch', 'phone-monitoring',
    'phone-models', 'phone-retraining']);
  assert.deepEqual(browser.errors, []);
});
