// Batch upload and download, "load a sample", and the monitoring charts in a real browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useServerAndBrowser, openHydrated, screenshot } from './harness.mjs';

const { server, browser } = useServerAndBrowser();

test('load a sample fills the inputs in place and shows guideline badges', async () => {
  const page = await openHydrated(browser.context, server.url + '/');
  await page.fill('#f-ph', '');
  await page.fill('#f-Sulfate', '1');
  assert.equal(await page.getAttribute('#f-Sulfate-badge', 'data-status'), 'within');
  await page.click('#load-sample');
  assert.equal(await page.inputValue('#f-ph'), '7.0');
  assert.equal(await page.inputValue('#f-Sulfate'), '350.0');
  assert.equal(new URL(page.url()).search, '', 'no navigation');
  assert.equal(await page.getAttribute('#f-Sulfate-badge', 'data-status'), 'beyond');
  assert.equal(await page.getAttribute('#f-ph-badge', 'data-status'), 'within');
  assert.equal(await page.getAttribute('#f-Hardness-badge', 'data-status'), 'none');
  await page.click('#predict-button');
  await page.waitForSelector('#verdict', { timeout: 15_000 });
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'predict-phone');
  await page.setViewportSize({ width: 1200, height: 900 });
  assert.deepEqual(browser.errors, []);
});

test('batch upload: shuffled header and a bad row, then download', async () => {
  const page = await openHydrated(browser.context, server.url + '/batch');
  const csv = '\ufeffTurbidity,ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes\r\n'
    + '4.0,7.0,200,20000,7.5,350,400,14,70\r\n'
    + '3.1,15.2,150,18000,6.1,300,450,10,55\r\n'
    + '2.5,6.8,180,15000,6.5,320,420,12,60\r\n';
  await page.setInputFiles('#batch-file', { name: 'samples.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('#batch-button');
  await page.waitForSelector('#batch-table', { timeout: 15_000 });
  assert.equal(await page.locator('#batch-table tbody tr').count(), 3);
  const bad = await page.textContent('#batch-table tr[data-row="2"]');
  assert.match(bad, /ph/);
  assert.match(bad, /\[0, 14\]/);
  assert.match(await page.textContent('#batch-summary'), /2 of 3 rows predicted/);
  // The same probability as the REST API for the first row.
  const api = await (await fetch(server.url + '/predict', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ph: 7, Hardness: 200, Solids: 20000, Chloramines: 7.5, Sulfate: 350,
      Conductivity: 400, Organic_carbon: 14, Trihalomethanes: 70, Turbidity: 4 }),
  })).json();
  const first = Number((await page.textContent('#batch-table tr[data-row="1"] td:nth-child(4)')).trim());
  assert.ok(Math.abs(first - api.probability_potable) < 0.0005, `${first} vs ${api.probability_potable}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#batch-download')]);
  const text = readFileSync(await download.path(), 'utf8');
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 4, text);
  assert.match(lines[0], /^row,line,ph,/);
  assert.match(lines[2], /ph: must be within \[0, 14\]/);
  await screenshot(page, 'batch');
  // A ';' file is refused with the reason.
  await page.setInputFiles('#batch-file', { name: 'semi.csv', mimeType: 'text/csv',
    buffer: Buffer.from('ph;Hardness\n7,08;204,89\n') });
  await page.click('#batch-button');
  await page.waitForSelector('#batch-error', { timeout: 15_000 });
  assert.match(await page.textContent('#batch-error'), /separator/);
  assert.deepEqual(browser.errors, []);
});

test('monitoring page draws the predictions over time as SVG, one series per version and class', async () => {
  // The log is the server's; count the (version, class) pairs it has seen via the REST API.
  const body = (ph) => JSON.stringify({ ph, Hardness: 200, Solids: 20000, Chloramines: 7.5,
    Sulfate: 350, Conductivity: 400, Organic_carbon: 14, Trihalomethanes: 70, Turbidity: 4 });
  for (const ph of [3, 7, 11]) {
    const r = await fetch(server.url + '/predict', { method: 'POST',
      headers: { 'content-type': 'application/json' }, body: body(ph) });
    assert.equal(r.status, 200);
  }
  let page;
  let series = 0;
  let expected = 0;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    page = await openHydrated(browser.context, server.url + '/monitoring');
    await page.waitForSelector('#chart-over-time svg.chart', { timeout: 15_000 });
    series = Number(await page.getAttribute('#chart-over-time svg.chart', 'data-series'));
    const logged = Number((await page.textContent('#logged-count')).match(/\d+/)[0]);
    if (logged >= 3) {
      expected = await page.evaluate(() => document.querySelectorAll('#chart-over-time svg text').length);
      break;
    }
    await page.close();
    await new Promise((ok) => setTimeout(ok, 300));
  }
  assert.ok(series >= 1, `series ${series}`);
  assert.ok(expected > 0);
  // Each series has a legend entry named "<version> · <class>".
  const legend = await page.evaluate(() => [...document.querySelectorAll('#chart-over-time svg text')]
    .map((t) => t.textContent.trim()).filter((t) => / · (not )?potable$/.test(t)));
  assert.equal(legend.length, series, legend.join('|'));
  assert.equal(await page.getAttribute('#chart-drift svg.chart', 'data-series'), '1');
  assert.equal(await page.locator('#drift-table tbody tr').count(), 9);
  await screenshot(page, 'monitoring');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'monitoring-phone');
  assert.deepEqual(browser.errors, []);
});
