// Feedback, retrain, the models page (switch and roll back) and its chart in a real browser.
// Works on a copy of the models folder, since it adds versions and switches between them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, startBrowser, openHydrated, screenshot } from './harness.mjs';

const MODELS = process.env.POTABLE_TEST_MODELS;
let server;
let browser;

before(async () => {
  assert.ok(MODELS, 'POTABLE_TEST_MODELS must name a models folder with a trained version');
  const copy = join(mkdtempSync(join(tmpdir(), 'potable-models-')), 'models');
  cpSync(MODELS, copy, { recursive: true });
  server = await startServer(copy,
    ['--params', join(ROOT, 'tests', 'fixtures', 'params-fast.yaml')]);
  browser = await startBrowser();
});

after(async () => {
  await browser?.context.close();
  await server?.stop();
});

/** The versions table as { name: status }. */
async function statuses(page) {
  return page.$$eval('#versions-table tbody tr',
    (rows) => Object.fromEntries(rows.map((r) => [r.dataset.version, r.dataset.status])));
}

test('predict, then "wrong" stores feedback and confirms it', async () => {
  const page = await openHydrated(browser.context, server.url + '/');
  await page.click('#predict-button');
  await page.waitForSelector('#verdict', { timeout: 15_000 });
  await page.click('#feedback-wrong');
  await page.waitForSelector('#feedback-message', { timeout: 15_000 });
  assert.match(await page.textContent('#feedback-message'), /feedback was saved/);
  assert.equal(await page.isDisabled('#feedback-correct'), true);
  await screenshot(page, 'predict-feedback');

  const feedback = await openHydrated(browser.context, server.url + '/retraining');
  assert.match(await feedback.textContent('#feedback-total'), /^1 feedback row$/);
  assert.deepEqual(browser.errors, []);
});

test('retrain from the feedback page ends with a new version in the models table', async () => {
  const page = await openHydrated(browser.context, server.url + '/retraining');
  await page.click('#retrain-button');
  await page.waitForSelector('#retrain-status[data-state="succeeded"]', { timeout: 120_000 });
  assert.match(await page.textContent('#retrain-status'), /^V2 (was promoted|was kept as a candidate)/);
  await screenshot(page, 'feedback-retrained');

  const models = await openHydrated(browser.context, server.url + '/models');
  const rows = await statuses(models);
  assert.deepEqual(Object.keys(rows).sort(), ['V1', 'V2']);
  assert.equal(Object.values(rows).filter((s) => s === 'active').length, 1);
  const feedbackRows = await models.textContent('#versions-table tr[data-version="V2"] td:nth-of-type(3)');
  assert.equal(feedbackRows.trim(), '1');
  assert.deepEqual(browser.errors, []);
});

test('switch to the other version and roll back; the chart has one series per metric', async () => {
  const page = await openHydrated(browser.context, server.url + '/models');
  assert.equal(await page.getAttribute('#chart-metrics svg', 'data-series'), '5');
  assert.equal(await page.getAttribute('#chart-metrics svg', 'data-chart'), 'metrics-across-versions');
  const before = await statuses(page);
  const active = Object.keys(before).find((v) => before[v] === 'active');
  const other = active === 'V1' ? 'V2' : 'V1';

  await page.click(`#versions-table tr[data-version="${other}"] button.switch`);
  await page.waitForSelector('#confirm-box');
  await page.click('#confirm-button');
  await page.waitForSelector(`#versions-table tr[data-version="${other}"][data-status="active"]`, { timeout: 15_000 });
  assert.match(await page.textContent('#action-message'), new RegExp(`^${other} is now active`));
  assert.equal((await statuses(page))[active], 'candidate');
  await screenshot(page, 'models-switched');

  await page.click('#rollback-button');
  await page.click('#confirm-button');
  await page.waitForSelector(`#versions-table tr[data-version="${active}"][data-status="active"]`, { timeout: 15_000 });
  assert.equal((await statuses(page))[other], 'candidate');
  const history = await page.$$eval('#history-table tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.ok(history[0].includes('rollback'), history[0]);
  await screenshot(page, 'models');
  assert.deepEqual(browser.errors, []);
});
