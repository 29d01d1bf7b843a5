// The network in real tabs: a late tab syncs a longer chain; tabs survive a
// relay restart; with the relay down, tabs of one browser still work together.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  height,
  mineUntilAbove,
  openTab,
  sameTip,
  screenshot,
  setup,
  startRelay,
  text,
  waitForText,
} from './helpers.mjs';

const env = setup();

test('a tab opened after 20 blocks syncs to the same tip', async () => {
  const miner = await openTab(await env.browser.newContext(), env.relay.url);
  await waitForText(miner, 'conn-state', 'online');
  await mineUntilAbove(miner, 19);
  const late = await openTab(await env.browser.newContext(), env.relay.url);
  const tip = await sameTip(miner, late);
  assert.ok((await height(late)) >= 20);
  assert.equal(await text(late, 'tip-hash'), tip);
  await waitForText(late, 'sync-state', 'ready');
});

test('tabs reconnect after a relay restart and keep mining together', async () => {
  const context = await env.browser.newContext();
  const a = await openTab(context, env.relay.url);
  const b = await openTab(await env.browser.newContext(), env.relay.url);
  await waitForText(a, 'conn-state', 'online');
  await sameTip(a, b);
  const addr = env.relay.addr;
  await env.relay.stop();
  await waitForText(a, 'conn-state', 'offline');
  env.relay = await startRelay(addr);
  await waitForText(a, 'conn-state', 'online', 30_000);
  await waitForText(b, 'conn-state', 'online', 30_000);
  // Back in step with the others (mining waits for that by design).
  await waitForText(a, 'sync-state', 'ready', 30_000);
  await mineUntilAbove(a, await height(a));
  await sameTip(a, b);
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  await screenshot(b, 'network-after-restart');
});

test("with the relay stopped, tabs of one browser still see each other's blocks", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openTab(context, env.relay.url);
  const b = await openTab(context, env.relay.url);
  await waitForText(a, 'conn-state', 'online');
  await sameTip(a, b);
  const addr = env.relay.addr;
  await env.relay.stop();
  await waitForText(a, 'conn-state', 'offline');
  await waitForText(b, 'conn-state', 'offline');
  await mineUntilAbove(a, await height(a));
  await sameTip(a, b);
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  assert.ok(Number(await text(b, 'local-peers')) >= 1);
  await screenshot(b, 'network-relay-down');
  env.relay = await startRelay(addr);
});
