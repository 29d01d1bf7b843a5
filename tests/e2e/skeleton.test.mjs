// Tabs as nodes, end to end: two tabs mine and see each other's blocks
// through the real relay; a tab opened later catches up; coins sent in one
// tab arrive in another once a block confirms them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  height,
  launchBrowser,
  mineUntilAbove,
  openTab,
  sameTip,
  screenshot,
  setup,
  text,
  waitFor,
  waitForText,
} from './helpers.mjs';

const env = setup();

test('two tabs mine and see each other\'s blocks; a late tab catches up', async () => {
  // A and B are tabs of one browser; C is another browser profile, so it can
  // only learn the chain from the network, not from shared storage.
  const shared = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openTab(shared, env.relay.url);
  const b = await openTab(shared, env.relay.url);
  await waitForText(a, 'peer-count', 1);
  await waitForText(b, 'peer-count', 1);
  await waitForText(a, 'conn-state', 'online');
  // The top bar says where the network stands, in words.
  await waitFor(a, () => /^(Up to date · 1 peer|Catching up: block \d+ of \d+)$/.test(document.querySelector('[data-testid=status]')?.textContent ?? ''));
  assert.notEqual(await text(a, 'address'), await text(b, 'address'), 'each tab has its own wallet');

  await mineUntilAbove(a, 0);
  await sameTip(a, b);
  assert.ok((await height(b)) >= 1);

  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  assert.ok(Number(await text(a, 'mined-here')) >= 1);
  assert.ok(Number(await text(b, 'mined-here')) >= 1);

  const other = await env.browser.newContext({ viewport: { width: 400, height: 900 } });
  const c = await openTab(other, env.relay.url);
  await sameTip(a, c);
  await waitForText(a, 'peer-count', 2);

  await screenshot(a, 'tab-a');
  await screenshot(b, 'tab-b');
  await screenshot(c, 'tab-c-400px');
});

test('coins sent in one tab arrive in another once mined', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openTab(context, env.relay.url);
  const b = await openTab(context, env.relay.url);
  await waitForText(a, 'conn-state', 'online');
  await sameTip(a, b);
  const before = { a: Number(await text(a, 'balance')), b: Number(await text(b, 'balance')) };
  const bAddress = await text(b, 'address');

  // Too much first: a clear sentence, nothing changes.
  await a.fill('[data-testid=send-to]', bAddress);
  await a.fill('[data-testid=send-amount]', String(before.a + 1));
  await a.click('[data-testid=send-button]');
  await waitFor(a, () => /cannot send/.test(document.querySelector('[data-testid=send-error]')?.textContent ?? ''));
  assert.equal(await a.locator('[data-testid=pool-tx]').count(), 0);
  // "Max" fills in all A can send.
  await a.click('[data-testid=send-max]');
  assert.equal(await a.inputValue('[data-testid=send-amount]'), String(before.a));

  // B is in the background: what it is paid counts in its title, and the
  // browser (allowed to) shows it.
  await b.evaluate(() => {
    window.notes = [];
    window.Notification = class {
      constructor(title, options) { window.notes.push(`${title}: ${options.body}`); }
      static get permission() { return 'granted'; }
      static requestPermission() { return Promise.resolve('granted'); }
    };
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  });
  await a.fill('[data-testid=send-amount]', '25');
  await a.click('[data-testid=send-button]');
  await waitFor(b, () => document.querySelectorAll('[data-testid=pool-tx]').length === 1);
  await waitFor(a, () => !document.querySelector('[data-testid=send-error]'));
  // B hears of it at once, and the toast leads to the transaction.
  await waitFor(b, () => [...document.querySelectorAll('[data-testid=toast] a')].some((t) => /^25 coins incoming from tab1/.test(t.textContent) && t.getAttribute('href').startsWith('#/tx/')));
  await waitForText(b, 'incoming', '+25 incoming');
  assert.match(await b.textContent('[data-testid=pool-tx].to-you'), /sends 25 to you$/);
  assert.equal(await b.title(), '(1) tabcoin');
  assert.match((await b.evaluate(() => window.notes)).join('\n'), /^tabcoin: 25 coins incoming from tab1/);
  // Shown again: the count goes.
  await b.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await waitFor(b, () => document.title === 'tabcoin');

  // B mines: the transfer is confirmed in both tabs.
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  await waitFor(a, () => document.querySelectorAll('[data-testid=pool-tx]').length === 0);
  assert.equal(Number(await text(a, 'balance')), before.a - 25);
  const rewards = 50 * Number(await text(b, 'mined-here'));
  assert.equal(Number(await text(b, 'balance')), before.b + 25 + rewards);
  await waitFor(b, () => [...document.querySelectorAll('[data-testid=toast]')].some((t) => /Received 25 coins from tab1/.test(t.textContent)));
  assert.ok((await text(b, 'activity')).includes('received 25 coins from'), 'the payment is in the activity log');
  await screenshot(a, 'send-tab-a');

  // B asks for 7 with a payment link (and its QR code); A opens it: the
  // send form is filled in, and sending pays B.
  await b.click('[data-testid=receive] summary');
  await b.fill('[data-testid=receive-amount]', '7');
  const link = await b.getAttribute('[data-testid=receive-link]', 'href');
  assert.match(link, new RegExp(`#/pay/${bAddress}/7$`));
  assert.ok((await b.getAttribute('[data-testid=receive-qr] path', 'd')).length > 500, 'a QR code is drawn');
  await a.goto(link);
  await waitFor(a, (want) => document.querySelector('[data-testid=send-to]')?.value === want, bAddress);
  assert.equal(await a.inputValue('[data-testid=send-amount]'), '7');
  await a.click('[data-testid=send-button]');
  await waitForText(b, 'incoming', '+7 incoming');

  // Reload B: same account, same balance, same chain.
  const bBalance = await text(b, 'balance');
  const bHeight = await text(b, 'chain-height');
  await b.reload();
  await b.waitForSelector('[data-testid=chain-height]');
  assert.equal(await text(b, 'address'), bAddress);
  await waitFor(b, (h) => Number(document.querySelector('[data-testid=chain-height]').textContent) >= h, Number(bHeight));
  await waitForText(b, 'balance', bBalance);
  // The payment is not told again: the reload caught up with it.
  await b.waitForTimeout(1_500);
  const replayed = await b.$$eval('[data-testid=toast]', (ts) => ts.map((t) => t.textContent).filter((t) => /25 coins/.test(t)));
  assert.deepEqual(replayed, [], 'no payment toast after a reload');
  // The other tab's address is offered when sending.
  const offered = await a.$$eval('#known-addresses option', (os) => os.map((o) => o.value));
  assert.ok(offered.includes(bAddress), 'B is among the known addresses');
});

test('mining runs in a web worker and the page stays responsive', async () => {
  const context = await env.browser.newContext();
  // Demo network: 28-bit targets, the worker hashes for a while.
  const page = await openTab(context, env.relay.url, 'demo');
  await page.click('[data-testid=mine-button]');
  await waitFor(page, () => /H\/s$/.test(document.querySelector('[data-testid=hash-rate]')?.textContent ?? ''));
  assert.ok(page.workers().length >= 1, 'the miner runs in a worker');
  // Chromium runs WebAssembly SIMD: the 4-lane kernel is picked on its own.
  await waitForText(page, 'kernel', 'SIMD ×4 kernel');
  // Two workers, each reporting its own rate.
  await page.fill('[data-testid=workers]', '2');
  await page.dispatchEvent('[data-testid=workers]', 'change');
  await waitFor(page, () => document.querySelectorAll('[data-testid=worker-rate]').length === 2);
  await waitFor(page, () => [...document.querySelectorAll('[data-testid=worker-rate]')].every((e) => /[1-9][0-9.]* [kM]?H\/s$/.test(e.textContent)));
  assert.ok(page.workers().length >= 2, 'two workers run');
  // This browser has no WebGPU adapter: the panel says so, the CPU mines.
  assert.match(await text(page, 'gpu-state'), /^GPU not mining: .+; the CPU workers mine$/);
  // Timer ticks on the main thread keep coming while the worker hashes.
  const maxGap = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let last = performance.now();
        let gap = 0;
        const id = setInterval(() => {
          const t = performance.now();
          gap = Math.max(gap, t - last);
          last = t;
        }, 10);
        setTimeout(() => {
          clearInterval(id);
          resolve(gap);
        }, 1000);
      }),
  );
  assert.ok(maxGap < 250, `main thread stalled for ${maxGap} ms`);
  await page.click('[data-testid=mine-button]');
  await waitForText(page, 'hash-rate', 'idle');
});

test('the app and its workers arrive Brotli-compressed and run', async () => {
  const context = await env.browser.newContext();
  const encodings = new Map();
  // The context sees the workers' requests too.
  context.on('response', async (r) => {
    const name = new URL(r.url()).pathname.slice(1);
    if (name.endsWith('.wasm')) encodings.set(name, await r.headerValue('content-encoding'));
  });
  const page = await context.newPage();
  await page.goto(`${env.relay.url}/?net=test`);
  await page.waitForSelector('[data-testid=chain-height]');
  // The verifier workers load with the page.
  for (let i = 0; i < 100 && !encodings.has('verifier_bg.wasm'); i++) await page.waitForTimeout(50);
  assert.equal(encodings.get('app_bg.wasm'), 'br');
  assert.equal(encodings.get('verifier_bg.wasm'), 'br');
  // The page has an icon, served as an image.
  const icon = await page.evaluate(async () => {
    const href = document.querySelector('link[rel=icon]')?.href;
    const r = href ? await fetch(href) : null;
    return r && { ok: r.ok, type: r.headers.get('content-type') };
  });
  assert.deepEqual(icon, { ok: true, type: 'image/svg+xml' });
  await context.close();
});

test('where WebGPU works the GPU mines beside the CPU workers, switches off, and falls back to the CPU when its device fails', async () => {
  // Chromium's software adapter (SwiftShader): a CPU emulation, so this
  // checks the GPU path works, not how fast it is.
  const browser = await launchBrowser(['--enable-unsafe-webgpu']);
  try {
    // A software adapter is used only when asked for.
    const plain = await openTab(await browser.newContext(), env.relay.url, 'demo');
    await waitFor(plain, () => /^GPU not mining: the only adapter is a software one/.test(document.querySelector('[data-testid=gpu-state]')?.textContent ?? ''), undefined, 30_000);
    await plain.close();
    const page = await openTab(await browser.newContext(), env.relay.url, 'demo&gpu=software');
    const gpuMines = () => (document.querySelector('[data-testid=gpu-state]')?.textContent ?? '').startsWith('GPU mines too (');
    await waitFor(page, gpuMines, undefined, 30_000);
    await page.click('[data-testid=mine-button]');
    await waitFor(page, () => /GPU: [1-9][0-9.]* [kM]?H\/s$/.test(document.querySelector('[data-testid=gpu-rate]')?.textContent ?? ''));
    assert.equal(await page.$$eval('[data-testid=worker-rate]', (e) => e.length), Number(await page.inputValue('[data-testid=workers]')));
    await screenshot(page, 'mining-gpu');
    // Off: the CPU workers mine on alone.
    await page.uncheck('[data-testid=gpu-switch]');
    await waitForText(page, 'gpu-state', 'GPU off: the CPU workers mine');
    await waitFor(page, () => !document.querySelector('[data-testid=gpu-rate]'));
    await waitFor(page, () => /[1-9][0-9.]* [kM]?H\/s$/.test(document.querySelector('[data-testid=hash-rate]').textContent));
    // On again: the device opens afresh.
    await page.check('[data-testid=gpu-switch]');
    await waitFor(page, gpuMines, undefined, 30_000);
    await waitFor(page, () => /GPU: [1-9]/.test(document.querySelector('[data-testid=gpu-rate]')?.textContent ?? ''));
    // The device fails mid-search (every read-back refused, as on a lost
    // device): the panel says why and the CPU workers mine on.
    const gpuWorker = page.workers().filter((w) => w.url().includes('miner_gpu')).at(-1);
    await gpuWorker.evaluate(() => {
      GPUBuffer.prototype.mapAsync = () => Promise.reject(new Error('the device was lost (test)'));
    });
    await waitForText(page, 'gpu-state', 'GPU not mining: the GPU stopped: the device was lost (test); the CPU workers mine');
    await waitFor(page, () => !document.querySelector('[data-testid=gpu-rate]'));
    const before = await page.$$eval('[data-testid=worker-rate]', (e) => e.map((x) => x.textContent).join());
    await waitFor(page, (b) => [...document.querySelectorAll('[data-testid=worker-rate]')].map((x) => x.textContent).join() !== b, before);
    assert.match(await text(page, 'hash-rate'), /[1-9][0-9.]* [kM]?H\/s$/);
    await page.click('[data-testid=mine-button]');
    await waitForText(page, 'hash-rate', 'idle');
  } finally {
    await browser.close();
  }
});
