// The predict page in a real browser: hydrate, fill the form, submit, read the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openHydrated, screenshot } from './harness.mjs';

const { server, browser } = useServerAndBrowser();

test('predict form: fill, submit after hydration, read the result', async () => {
  const page = await openHydrated(browser.context, server.url + '/');
  const values = { ph: '6.5', Hardness: '180', Solids: '15000', Chloramines: '6.2',
    Sulfate: '320', Conductivity: '420', Organic_carbon: '12.5', Trihalomethanes: '60',
    Turbidity: '3.5' };
  for (const [name, value] of Object.entries(values)) {
    await page.fill(`#f-${name}`, value);
  }
  await page.click('#predict-button');
  await page.waitForSelector('#verdict', { timeout: 15_000 });
  const verdict = await page.textContent('#verdict');
  assert.ok(['Potable', 'Not Potable'].includes(verdict.trim()), `verdict was ${verdict}`);
  const version = (await page.textContent('#model-version')).trim();
  assert.match(version, /^V\d+$/);
  const probability = Number(await page.textContent('#probability'));
  assert.ok(probability >= 0 && probability <= 1, `probability ${probability}`);
  // The gauge is an SVG whose value agrees with the text.
  const gaugeP = Number(await page.getAttribute('svg.gauge', 'data-probability'));
  assert.ok(Math.abs(gaugeP - probability) < 0.001, `gauge ${gaugeP} vs text ${probability}`);
  // The same answer as the REST API gives for these values.
  const body = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number(v)]));
  const api = await (await fetch(server.url + '/predict', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  })).json();
  assert.equal(api.model_version, version);
  assert.ok(Math.abs(api.probability_potable - probability) < 0.0005);
  // The form was submitted in place (no full reload): still hydrated, values kept.
  assert.equal(await page.getAttribute('body', 'data-hydrated'), 'true');
  assert.equal(await page.inputValue('#f-ph'), '6.5');
  await screenshot(page, 'predict');
  assert.deepEqual(browser.errors, []);
});

test('out-of-range value is refused by the server with the field named', async () => {
  const page = await openHydrated(browser.context, server.url + '/');
  // Bypass the browser's own min/max check to reach the server-side rule.
  await page.evaluate(() => document.querySelector('form').setAttribute('novalidate', ''));
  await page.fill('#f-ph', '15.2');
  await page.click('#predict-button');
  await page.waitForSelector('[role="alert"]', { timeout: 15_000 });
  const text = await page.textContent('[role="alert"]');
  assert.match(text, /ph/);
  assert.match(text, /\[0, 14\]/);
  assert.equal(await page.$('#verdict'), null);
});
