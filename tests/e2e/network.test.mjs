// The network in real tabs: a late tab syncs a longer chain; tabs survive a
// relay restart; with the relay down, tabs of one browser still work together.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  height,
  launchBrowser,
  mineUntilAbove,
  openTab,
  sameTip,
  screenshot,
  startRelay,
  text,
  waitForText,
} from './helpers.mjs';

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

test('a tab opened after 20 blocks syncs to the same tip', async () => {
  const miner = await openTab(await browser.newContext(), relay.url);
  await waitForText(miner, 'conn-state', 'online');
  await mineUntilAbove(miner, 19);
  const late = await openTab(await browser.newContext(), relay.url);
  const tip = await sameTip(miner, late);
  assert.ok((await height(late)) >= 20);
  assert.equal(await text(late, 'tip-hash'), tip);
  await waitForText(late, 'sync-state', 'ready');
});

test('tabs reconnect after a relay restart and keep mining together', async () => {
  const context = await browser.newContext();
  const a = await openTab(context, relay.url);
  const b = await openTab(await browser.newContext(), relay.url);
  await waitForText(a, 'conn-state', 'online');
  await sameTip(a, b);
  const addr = relay.addr;
  await relay.stop();
  await waitForText(a, 'conn-state', 'offline');
  relay = await startRelay(addr);
  await waitForText(a, 'conn-state', 'online', 30_000);
  await waitForText(b, 'conn-state', 'online', 30_000);
  await mineUntilAbove(a, await height(a));
  await sameTip(a, b);
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  await screenshot(b, 'network-after-restart');
});

test("with the relay stopped, tabs of one browser still see each other's blocks", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openTab(context, relay.url);
  const b = await openTab(context, relay.url);
  await waitForText(a, 'conn-state', 'online');
  await sameTip(a, b);
  const addr = relay.addr;
  await relay.stop();
  await waitForText(a, 'conn-state', 'offline');
  await waitForText(b, 'conn-state', 'offline');
  await mineUntilAbove(a, await height(a));
  await sameTip(a, b);
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  assert.ok(Number(await text(b, 'local-peers')) >= 1);
  await screenshot(b, 'network-relay-down');
  relay = await startRelay(addr);
});
