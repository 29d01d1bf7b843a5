// Shared helpers for the end-to-end tests: start the real relay binary on a
// free loopback port, launch the system Chromium, read the page by its
// data-testid attributes.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests with \`cargo xtask test\``);
  return value;
};

/** Starts the relay on `addr` (default: a free loopback port) serving the built app; resolves with its URL. */
export async function startRelay(addr = '127.0.0.1:0') {
  const proc = spawn(env('TABCOIN_RELAY_BIN'), ['--addr', addr, '--dist', env('TABCOIN_DIST')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('relay did not start within 10 s')), 10_000);
    proc.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
  return {
    url,
    addr: url.replace('http://', ''),
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.on('exit', resolve);
        proc.kill('SIGINT');
      }),
  };
}

/** Launches headless Chromium with flags that work as root on a closed network (and `extra` ones). */
export function launchBrowser(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
      // Direct links between tabs: plain loopback host candidates, and
      // background tabs not slowed (their timers drive keepalives).
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      ...extra,
    ],
  });
}

/** Opens a tab on a network (default: the easy test network) and waits until the app is on screen. */
export async function openTab(context, url, net = 'test') {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
  await page.goto(`${url}/?net=${net}`);
  await page.waitForSelector('[data-testid=chain-height]');
  return page;
}

/** Text of the element with this data-testid. */
export const text = (page, id) => page.textContent(`[data-testid=${id}]`);

/** Waits until the element with this data-testid has exactly `expected` as text. */
export async function waitForText(page, id, expected, timeout = 20_000) {
  await page.waitForFunction(
    ([id, expected]) => document.querySelector(`[data-testid=${id}]`)?.textContent === expected,
    [id, String(expected)],
    { timeout },
  );
}

/** Waits until `predicate(arg)`, evaluated in the page, is true. */
export async function waitFor(page, predicate, arg, timeout = 20_000) {
  await page.waitForFunction(predicate, arg, { timeout });
}

/** Saves a screenshot as a test artifact (target/e2e-artifacts); the whole page unless `fullPage` is false. */
export async function screenshot(page, name, fullPage = true) {
  const dir = process.env.TABCOIN_ARTIFACTS || 'target/e2e-artifacts';
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
}

/** Height shown by a tab. */
export const height = async (page) => Number(await text(page, 'chain-height'));

/** Mines in `page` until the chain is higher than `above`, then stops. */
export async function mineUntilAbove(page, above) {
  await page.click('[data-testid=mine-button]');
  await waitFor(page, (h) => Number(document.querySelector('[data-testid=chain-height]').textContent) > h, above);
  await page.click('[data-testid=mine-button]');
  await waitForText(page, 'mine-button', 'Start mining');
}

/** Sends `amount` to `to` from `from`'s form; waits until `seen` shows it pending. */
export async function pay(from, to, amount, seen) {
  await from.fill('[data-testid=send-to]', to);
  await from.fill('[data-testid=send-amount]', String(amount));
  await from.click('[data-testid=send-button]');
  await waitFor(seen, () => document.querySelectorAll('[data-testid=pool-tx]').length === 1);
}

/** Waits until every page shows the same tip; returns it. */
export async function sameTip(...pages) {
  let tips = [];
  for (let i = 0; i < 150; i++) {
    tips = await Promise.all(pages.map((p) => text(p, 'tip-hash')));
    if (tips.every((t) => t === tips[0])) return tips[0];
    await pages[0].waitForTimeout(100);
  }
  throw new Error(`tips differ: ${tips.join(' vs ')}`);
}

/**
 * Starts a relay and a browser before the file's tests and stops them after.
 * Returns `{ relay, browser }`, filled in once the tests start (a test may
 * replace `relay`, e.g. to restart it).
 */
export function setup() {
  const env = {};
  before(async () => {
    env.relay = await startRelay();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.relay?.stop();
  });
  return env;
}
