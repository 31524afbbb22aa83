// Feedback, retrain, the models page (switch and roll back) and its chart in a real browser.
// Works on a copy of the models folder, since it adds versions and switches between them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, startBrowser, openHydrated, screenshot } from './harness.mjs';

const MODELS = process.env.POTABLE_TEST_MODELS;
let server;
let browser;

before(async () => {
  assert.ok(MODELS, 'POTABLE_TEST_MODELS must name a models folder with a trained version');
  const work = mkdtempSync(join(tmpdir(), 'potable-models-'));
  const copy = join(work, 'models');
  cpSync(MODELS, copy, { recursive: true });
  // Retrain with 30 trees instead of the fixture's 40, so the params diff has a row to show.
  const fast = readFileSync(join(ROOT, 'tests', 'fixtures', 'params-fast.yaml'), 'utf8');
  assert.match(fast, /n_estimators: 40\n/);
  const params = join(work, 'params.yaml');
  writeFileSync(params, fast.replace('n_estimators: 40\n', 'n_estimators: 30\n'));
  server = await startServer(copy,
    ['--params', params, '--data', join(ROOT, 'Data-set', 'water_potability.csv')]);
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
  await page.waitForSelector('#retrain-status:not([data-state="running"])', { timeout: 120_000 });
  assert.equal(await page.getAttribute('#retrain-status', 'data-state'), 'succeeded',
    await page.textContent('#retrain-status'));
  assert.match(await page.textContent('#retrain-status'), /^V2 (was promoted|was kept as a candidate)/);
  await screenshot(page, 'feedback-retrained');

  const models = await openHydrated(browser.context, server.url + '/models');
  const rows = await statuses(models);
  assert.deepEqual(Object.keys(rows).sort(), ['V1', 'V2']);
  assert.equal(Object.values(rows).filter((s) => s === 'active').length, 1);
  const feedbackRows = await models.textContent('#versions-table tr[data-version="V2"] td:nth-of-type(4)');
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

test('compare: ticked versions give one bar group, ROC curve and confusion matrix each; params diff', async () => {
  const page = await openHydrated(browser.context, server.url + '/models');
  const series = async (id) => page.getAttribute(`#${id} svg`, 'data-series');
  // By default the active version and the newest other one are ticked.
  assert.equal(await page.locator('input.compare:checked').count(), 2);
  assert.equal(await series('chart-compare'), '2');
  assert.equal(await page.getAttribute('#chart-compare svg', 'data-chart'), 'compare-metrics');
  assert.equal(await series('chart-roc'), '2');
  assert.equal(await page.locator('#confusion-matrices svg').count(), 2);
  // V1's four cells are its held-out confusion counts, as the API reports them.
  const v1 = await (await fetch(server.url + '/models/V1')).json();
  const cm = v1.meta.metrics.test.confusion_matrix;
  const cells = await page.$$eval('#confusion-matrices .confusion[data-version="V1"] svg text',
    (texts) => texts.map((t) => t.textContent.trim()).filter((t) => /^\d+$/.test(t)).map(Number));
  assert.deepEqual(cells.slice().sort((a, b) => a - b),
    [cm.tn, cm.fp, cm.fn, cm.tp].sort((a, b) => a - b), JSON.stringify(cells));
  assert.equal(cells.reduce((a, b) => a + b, 0), v1.meta.metrics.test.n);
  await screenshot(page, 'models-compare');

  await page.uncheck('#versions-table tr[data-version="V1"] input.compare');
  await page.waitForFunction(() => document.querySelector('#chart-roc svg')?.dataset.series === '1');
  assert.equal(await series('chart-compare'), '1');
  assert.equal(await page.locator('#confusion-matrices svg').count(), 1);
  await page.check('#versions-table tr[data-version="V1"] input.compare');
  await page.waitForFunction(() => document.querySelector('#chart-roc svg')?.dataset.series === '2');

  // V1 was trained with 40 trees, V2 retrained with 30.
  await page.selectOption('#diff-left', 'V1');
  await page.selectOption('#diff-right', 'V2');
  const diff = await page.$$eval('#params-diff tbody tr',
    (rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
  assert.deepEqual(diff.find((r) => r[0] === 'train.random_forest.n_estimators'),
    ['train.random_forest.n_estimators', '40', '30'], JSON.stringify(diff));
  await page.selectOption('#diff-right', 'V1');
  await page.waitForSelector('#params-same');

  // At 1200 px the versions table fits its card, actions included.
  const excess = await page.$eval('#versions-table', (t) => t.parentElement.scrollWidth - t.parentElement.clientWidth);
  assert.ok(excess <= 0, `the versions table is ${excess}px wider than its card at 1200 px`);

  // Phone width: the wide tables scroll inside their cards, the page itself does not.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
  await screenshot(page, 'models-phone');
  await page.setViewportSize({ width: 1200, height: 900 });
  assert.deepEqual(browser.errors, []);
});
