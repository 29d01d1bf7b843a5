// The newcomer's first minute, in three real tabs of one browser: three
// accounts; A mines a reward; A pays B through the form and every tab sees
// it pending; C mines it; every tab agrees on the new balances; too much is
// refused; a reload loses nothing. Screenshots of each view are saved.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  height,
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

/** The balance of `address` as `page` sees it (its explorer's address page). */
async function balanceSeenBy(page, address) {
  await page.evaluate((a) => { location.hash = `#/address/${a}`; }, address);
  await page.waitForSelector('[data-testid=address-page]');
  const value = Number(await text(page, 'address-balance'));
  await page.evaluate(() => { location.hash = '#/'; });
  await page.waitForSelector('[data-testid=balance]');
  return value;
}

test('three tabs: mine, pay, confirm, refuse, reload', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const a = await openTab(context, env.relay.url);
  const b = await openTab(context, env.relay.url);
  const c = await openTab(context, env.relay.url);
  await waitForText(c, 'peer-count', '2');
  for (const p of [a, b, c]) await waitFor(p, () => document.querySelectorAll('[data-testid=account-select] option').length >= 1);
  const [addrA, addrB, addrC] = [await text(a, 'address'), await text(b, 'address'), await text(c, 'address')];
  assert.equal(new Set([addrA, addrB, addrC]).size, 3, 'three tabs, three accounts');

  // 1. A mines until it has a reward.
  await a.click('[data-testid=mine-button]');
  await waitFor(a, () => Number(document.querySelector('[data-testid=mined-here]').textContent) >= 1);
  await screenshot(a, 'view-mining', false);
  await a.click('[data-testid=mine-button]');
  await waitForText(a, 'mine-button', 'Start mining');
  await sameTip(a, b, c);
  const before = { a: await balanceSeenBy(c, addrA), b: await balanceSeenBy(c, addrB) };

  // 2. A pays B 25 through the form; the pending transaction shows everywhere.
  await a.fill('[data-testid=send-to]', addrB);
  await a.fill('[data-testid=send-amount]', '25');
  await a.click('[data-testid=send-button]');
  for (const p of [a, b, c]) await waitFor(p, () => document.querySelectorAll('[data-testid=pool-tx]').length === 1);
  assert.match(await text(a, 'send-row'), /^25 to .*pending$/);
  // The form empties once the node took the send.
  assert.equal(await a.inputValue('[data-testid=send-amount]'), '');
  assert.equal(await a.inputValue('[data-testid=send-to]'), '');
  await screenshot(a, 'view-wallet', false);

  // C mines; every tab agrees B gained 25 and A lost 25.
  await mineUntilAbove(c, await height(c));
  await sameTip(a, b, c);
  for (const p of [a, b, c]) await waitFor(p, () => document.querySelectorAll('[data-testid=pool-tx]').length === 0);
  for (const p of [a, b, c]) {
    assert.equal(await balanceSeenBy(p, addrB), before.b + 25);
    assert.equal(await balanceSeenBy(p, addrA), before.a - 25);
  }
  assert.equal(Number(await text(b, 'balance')), before.b + 25);
  await waitFor(a, () => /confirmed in block \d+/.test(document.querySelector('[data-testid=send-row]').textContent));

  // 3. More than the balance: one sentence, nothing changes.
  const aBalance = await text(a, 'balance');
  await a.fill('[data-testid=send-to]', addrB);
  await a.fill('[data-testid=send-amount]', String(Number(aBalance) + 1));
  await a.click('[data-testid=send-button]');
  await waitFor(a, () => /cannot send/.test(document.querySelector('[data-testid=send-error]')?.textContent ?? ''));
  assert.equal(await a.locator('[data-testid=pool-tx]').count(), 0);
  assert.equal(await text(a, 'balance'), aBalance);

  // 4. Reload B: same account, balance and chain.
  const [bBalance, bHeight] = [await text(b, 'balance'), Number(await text(b, 'chain-height'))];
  await b.reload();
  await b.waitForSelector('[data-testid=chain-height]');
  assert.equal(await text(b, 'address'), addrB);
  await waitFor(b, (h) => Number(document.querySelector('[data-testid=chain-height]').textContent) >= h, bHeight);
  await waitForText(b, 'balance', bBalance);

  // Screenshots of the explorer and network views.
  await c.evaluate(() => { location.hash = '#/blocks/0'; });
  await c.waitForSelector('[data-testid=blocks-page]');
  await c.locator('[data-testid=block-link]').first().click();
  await c.waitForSelector('[data-testid=block-page]');
  await screenshot(c, 'view-explorer', false);
  await c.evaluate(() => { location.hash = '#/'; });
  await c.locator('[data-testid=network]').scrollIntoViewIfNeeded();
  await c.locator('[data-testid=network]').screenshot({ path: `${process.env.TABCOIN_ARTIFACTS || 'target/e2e-artifacts'}/view-network.png` });
  const narrow = await env.browser.newContext({ viewport: { width: 400, height: 900 } });
  const phone = await openTab(narrow, env.relay.url);
  await sameTip(a, phone);
  await screenshot(phone, 'view-400px', false);
  // A phone's screen holds the wallet and an address page without
  // scrolling sideways.
  const pageWidth = () => phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok((await pageWidth()) <= 400, `the wallet is ${await pageWidth()} px wide at 400 px`);
  await phone.evaluate((a) => { location.hash = `#/address/${a}`; }, addrB);
  await phone.waitForSelector('[data-testid=address-page]');
  assert.ok((await pageWidth()) <= 400, `an address page is ${await pageWidth()} px wide at 400 px`);
});
