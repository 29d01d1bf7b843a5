// The explorer in real tabs: a block with a transfer, its transaction, an
// address, search, pagination, and the tamper view marking an edited block
// invalid together with the blocks after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  height,
  mineUntilAbove,
  openTab,
  pay,
  sameTip,
  screenshot,
  setup,
  text,
  waitFor,
  waitForText,
} from './helpers.mjs';

const env = setup();

test('explorer: block, transaction, address, search, tamper', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openTab(context, env.relay.url);
  const b = await openTab(context, env.relay.url);
  await waitForText(a, 'conn-state', 'online');
  await sameTip(a, b);
  const bAddress = await text(b, 'address');

  await pay(a, bAddress, 25, b);
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  // One more block on top, so the transfer's block has a successor.
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);

  // B's full history (its address page) shows the payment.
  await b.evaluate((addr) => { location.hash = `#/address/${addr}`; }, bAddress);
  await waitFor(b, () => [...document.querySelectorAll('[data-testid=history-row] .in')].some((e) => e.textContent === '+25'));

  // The block holding the transfer (from A's history): two transactions.
  const aAddress = await text(a, 'address');
  await a.evaluate((addr) => { location.hash = `#/address/${addr}`; }, aAddress);
  await waitFor(a, () => [...document.querySelectorAll('[data-testid=history-row] .out')].some((e) => e.textContent === '−25'));
  const row = a.locator('[data-testid=history-row]').filter({ has: a.locator('.out', { hasText: '−25' }) }).first();
  await row.locator('td a').first().click();
  await a.waitForSelector('[data-testid=block-page]');
  assert.match(await text(a, 'block-status'), /on the best chain/);
  assert.equal(await a.locator('[data-testid=block-page] [data-testid=tx]').count(), 2);
  await screenshot(a, 'explorer-block');

  // Its transfer's page.
  await a.locator('[data-testid=block-page] [data-testid=tx]').nth(1).locator('a').first().click();
  await a.waitForSelector('[data-testid=tx-page]');
  assert.match(await text(a, 'tx-status'), /in block \d+/);
  const txPage = await a.evaluate(() => location.hash);

  // Search: an address, then nonsense.
  await a.fill('[data-testid=search]', bAddress);
  await a.press('[data-testid=search]', 'Enter');
  await a.waitForSelector('[data-testid=address-page]');
  assert.equal(await text(a, 'address-balance'), await text(b, 'address-balance'));
  await a.fill('[data-testid=search]', 'hello');
  await a.press('[data-testid=search]', 'Enter');
  await waitFor(a, () => /is not a block height/.test(document.querySelector('[data-testid=search-error]')?.textContent ?? ''));

  // Tamper: raise an amount in the block with the transfer.
  await a.goBack();
  await a.goBack();
  await a.waitForSelector('[data-testid=block-page]');
  await b.evaluate(() => { location.hash = '#/'; });
  const tipBeforeTamper = await text(b, 'tip-hash');
  const blockPage = await a.evaluate(() => location.hash);
  await a.getByText('tamper with a copy').click();
  await a.waitForSelector('[data-testid=tamper-page]');
  const tamperPage = await a.evaluate(() => location.hash);
  assert.match(await text(a, 'tamper-verdict'), /Unchanged/);
  await a.fill('[data-testid=tamper-amount-1]', '999999');
  await a.dispatchEvent('[data-testid=tamper-amount-1]', 'change');
  await waitFor(a, () => /Invalid: transaction root/.test(document.querySelector('[data-testid=tamper-verdict]')?.textContent ?? ''));
  assert.match(await text(a, 'tamper-orphaned'), /build on this block/);
  await screenshot(a, 'explorer-tamper');
  await a.click('[data-testid=tamper-reset]');
  await waitFor(a, () => /Unchanged/.test(document.querySelector('[data-testid=tamper-verdict]')?.textContent ?? ''));

  // Nothing was broadcast: B kept its chain, and A's own chain is intact.
  await b.evaluate(() => { location.hash = '#/'; });
  assert.equal(await text(b, 'tip-hash'), tipBeforeTamper);
  await a.evaluate(() => { location.hash = '#/'; });
  await sameTip(a, b);

  // Pagination of all blocks.
  await a.goto(`${env.relay.url}/?net=test#/blocks/0`);
  await a.waitForSelector('[data-testid=blocks-page]');
  assert.ok((await a.locator('[data-testid=blocks-page] [data-testid=block-card]').count()) >= 1);

  // Every page fits a phone's screen and a desktop's: nothing scrolls
  // sideways.
  const pages = ['#/', '#/blocks/0', blockPage, txPage, `#/address/${bAddress}`, tamperPage, '#/network/new'];
  for (const width of [400, 1280]) {
    await a.setViewportSize({ width, height: 900 });
    for (const hash of pages) {
      await a.evaluate((h) => { location.hash = h; }, hash);
      await a.waitForTimeout(300);
      const [scroll, client] = await a.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scroll <= client, `${hash} at ${width} px is ${scroll} px wide`);
      if (width === 400) await screenshot(a, `fit-400px-${hash.split('/')[1] || 'home'}`);
    }
  }
});
