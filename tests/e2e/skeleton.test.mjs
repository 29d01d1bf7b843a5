// The walking skeleton, end to end: two tabs mine and see each other's
// blocks through the real relay; a tab opened later catches up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, openTab, screenshot, startRelay, text, waitForText } from './helpers.mjs';

let relay;
let browser;

before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

test('two tabs mine and see each other\'s blocks; a late tab catches up', async () => {
  // A and B are tabs of one browser; C is another browser profile, so it can
  // only learn the chain from the network, not from shared storage.
  const shared = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const a = await openTab(shared, relay.url);
  const b = await openTab(shared, relay.url);
  await waitForText(a, 'peer-count', 1);
  await waitForText(b, 'peer-count', 1);
  await waitForText(a, 'conn-state', 'online');

  await a.click('[data-testid=mine-button]');
  await waitForText(a, 'chain-height', 1);
  await waitForText(b, 'chain-height', 1);
  assert.equal(await text(b, 'tip-hash'), await text(a, 'tip-hash'));

  await b.click('[data-testid=mine-button]');
  await waitForText(a, 'chain-height', 2);
  assert.equal(await text(a, 'tip-hash'), await text(b, 'tip-hash'));
  assert.equal(await text(a, 'mined-here'), '1');
  assert.equal(await text(b, 'mined-here'), '1');

  const other = await browser.newContext({ viewport: { width: 400, height: 800 } });
  const c = await openTab(other, relay.url);
  await waitForText(c, 'chain-height', 2);
  assert.equal(await text(c, 'tip-hash'), await text(a, 'tip-hash'));
  await waitForText(a, 'peer-count', 2);

  await screenshot(a, 'skeleton-tab-a');
  await screenshot(b, 'skeleton-tab-b');
  await screenshot(c, 'skeleton-tab-c-400px');
});

test('mining runs in a web worker and the page stays responsive', async () => {
  const context = await browser.newContext();
  // Demo difficulty (22 bits): the worker hashes for about a second.
  const page = await openTab(context, relay.url, 'demo');
  await page.click('[data-testid=mine-button]');
  await page.waitForFunction(() => /H\/s$/.test(document.querySelector('[data-testid=hash-rate]')?.textContent ?? ''));
  assert.ok(page.workers().length >= 1, 'the miner runs in a worker');
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
  await waitForText(page, 'chain-height', 1);
  await waitForText(page, 'mined-here', 1);
});
