// Shared set-up for the browser tests: a real `potable serve` on 127.0.0.1 and Debian's
// headless Chromium driven by playwright-core.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SHOTS = join(ROOT, 'test-output', 'screenshots');

/** Starts the server on a free port with the given models folder (and any extra `serve`
 * flags); resolves to { url, stop }. */
export async function startServer(modelsDir, extraArgs = []) {
  const bin = process.env.POTABLE_BIN ?? join(ROOT, 'target', 'debug', 'potable');
  const child = spawn(bin, ['serve', '--port', '0', '--models-dir', modelsDir,
    '--site-root', join(ROOT, 'target', 'site'), ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('server did not start within 30 s')), 30_000);
    child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  return {
    url,
    stop: () => new Promise((ok) => { child.once('exit', ok); child.kill('SIGTERM'); }),
  };
}

/** Launches headless Chromium with a fresh profile; collects console errors. */
export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'potable-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  context.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  return { context, errors };
}

/** Registers `before`/`after` hooks that serve the models folder named by POTABLE_TEST_MODELS
 * and launch a browser, then stop both. Returns { server, browser }, filled in by `before`. */
export function useServerAndBrowser() {
  const server = {};
  const browser = {};
  before(async () => {
    const models = process.env.POTABLE_TEST_MODELS;
    assert.ok(models, 'POTABLE_TEST_MODELS must name a models folder with a trained version');
    Object.assign(server, await startServer(models));
    Object.assign(browser, await startBrowser());
  });
  after(async () => {
    await browser.context?.close();
    await server.stop?.();
  });
  return { server, browser };
}

/** Opens `url` and waits until the WASM has hydrated the page. */
export async function openHydrated(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
  return page;
}

/** Saves a full-page PNG under test-output/screenshots. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
