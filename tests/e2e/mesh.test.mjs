// No central node: ten tabs, each in its own browser context (as if in ten
// browsers), link to a few neighbours over WebRTC on loopback; the relay
// only introduces them. With the relay stopped, a block mined in one tab and
// a payment sent from another reach every tab over the mesh; three tabs
// close and the others refill their neighbourhoods through their
// neighbours, still without the relay; the relay's return breaks nothing.
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
  waitFor,
  waitForText,
} from './helpers.mjs';

const env = setup();
const TABS = 10;
const D_HI = 8;

/** Direct links of every tab: Map(id → [neighbour ids]). */
async function graph(pages) {
  const adj = new Map();
  for (const p of pages) {
    const me = await text(p, 'peer-id');
    const peers = await p.$$eval('[data-testid=neighbour][data-kind=direct]', (els) => els.map((e) => e.dataset.peer));
    adj.set(me, peers);
  }
  return adj;
}

/** Like `sameTip`, but says which tab lags and what it saw. */
async function converge(pages) {
  try {
    return await sameTip(...pages);
  } catch (e) {
    const tips = await Promise.all(pages.map((p) => text(p, 'tip-hash')));
    const odd = pages[tips.findIndex((t) => tips.filter((u) => u === t).length === 1)] ?? pages[0];
    const said = await odd.evaluate(() => [
      document.querySelector('[data-testid=network]')?.innerText,
      document.querySelector('[data-testid=activity]')?.innerText,
    ].join('\n'));
    throw new Error(`${e.message}\n${said}`);
  }
}

/** Whether the undirected graph of `adj` (restricted to its own keys) is connected. */
function connected(adj) {
  const ids = [...adj.keys()];
  const seen = new Set([ids[0]]);
  const todo = [ids[0]];
  while (todo.length) {
    const id = todo.pop();
    const next = [...(adj.get(id) ?? []), ...ids.filter((o) => adj.get(o).includes(id))];
    for (const n of next) {
      if (adj.has(n) && !seen.has(n)) {
        seen.add(n);
        todo.push(n);
      }
    }
  }
  return seen.size === ids.length;
}

const directLinks = (p) => p.evaluate(() => Number(document.querySelector('[data-testid=neighbours]').textContent));

/**
 * Waits until every page has at least `n` direct links. Ten browser contexts share two cores, and
 * each tab dials two at a time, so the bound is generous: it bounds the wait, it is not a timing.
 */
async function atLeast(pages, n, timeout = 120_000) {
  for (const p of pages) {
    await waitFor(p, (n) => Number(document.querySelector('[data-testid=neighbours]').textContent) >= n, n, timeout);
  }
}

test('ten tabs in separate browsers form a bounded, connected mesh that carries the chain without the relay', async () => {
  const pages = [];
  for (let i = 0; i < TABS; i++) {
    pages.push(await openTab(await env.browser.newContext({ viewport: { width: 1280, height: 1000 } }), env.relay.url));
  }
  for (const p of pages) await waitForText(p, 'conn-state', 'online');

  // Each tab reaches its lower bound; none holds more than D_HI links, so
  // none is linked to all nine others; the graph is connected.
  await atLeast(pages, 4);
  const adj = await graph(pages);
  for (const [id, peers] of adj) {
    assert.ok(peers.length <= D_HI, `tab ${id} has ${peers.length} direct links`);
    assert.ok(peers.length < TABS - 1, `tab ${id} is linked to every other tab`);
  }
  assert.ok(connected(adj), `the mesh is not connected: ${JSON.stringify([...adj])}`);
  const kinds = await pages[0].$$eval('[data-testid=neighbour]', (els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.includes('direct'));
  await converge(pages);

  // Relay stopped: a block mined in one tab reaches all ten over the mesh.
  const addr = env.relay.addr;
  await env.relay.stop();
  for (const p of pages) await waitForText(p, 'conn-state', 'offline');
  await mineUntilAbove(pages[0], await height(pages[0]));
  await converge(pages);

  // A payment sent from another tab reaches every pool.
  const payee = await text(pages[1], 'address');
  await pages[7].fill('[data-testid=send-to]', payee);
  await pages[7].fill('[data-testid=send-amount]', '5');
  await pages[7].click('[data-testid=send-button]');
  for (const p of pages) await waitFor(p, () => document.querySelectorAll('[data-testid=pool-tx]').length === 1);
  await pages[0].locator('[data-testid=network]').scrollIntoViewIfNeeded();
  await pages[0].locator('[data-testid=network]').screenshot({
    path: `${process.env.TABCOIN_ARTIFACTS || 'target/e2e-artifacts'}/view-mesh.png`,
  });

  // Still without the relay, three neighbours of one tab close: it and the
  // others refill their neighbourhoods from their neighbours' neighbours,
  // with signals passed along the direct links.
  const before = await graph(pages);
  const ids = await Promise.all(pages.map((p) => text(p, 'peer-id')));
  const keep = new Set([0, 1, 3, 7].map((i) => ids[i]));
  const [hub] = [...before]
    .filter(([id, peers]) => !keep.has(id) && peers.filter((n) => !keep.has(n)).length >= 3)
    .sort((a, b) => a[1].length - b[1].length)[0] ?? [];
  assert.ok(hub, `a tab with three neighbours that may close: ${JSON.stringify([...before])}`);
  const closing = before.get(hub).filter((n) => !keep.has(n) && n !== hub).slice(0, 3);
  for (const id of closing) await pages[ids.indexOf(id)].context().close();
  const rest = pages.filter((_, i) => !closing.includes(ids[i]));
  for (const p of rest) {
    await waitFor(
      p,
      (gone) => ![...document.querySelectorAll('[data-testid=neighbour][data-kind=direct]')].some((e) => gone.includes(e.dataset.peer)),
      closing,
      60_000,
    );
  }
  await atLeast(rest, 4);
  // A tab that kept 4 or more links still dials toward 6: the tab whose
  // neighbours closed links a new one through its neighbours' lists,
  // however many it kept (waited for, bounded; then checked below).
  await waitFor(
    pages[ids.indexOf(hub)],
    (old) => [...document.querySelectorAll('[data-testid=neighbour][data-kind=direct]')].some((e) => !old.includes(e.dataset.peer)),
    before.get(hub),
    60_000,
  ).catch(() => {});
  const after = await graph(rest);
  assert.ok(connected(after), `the mesh is not connected: ${JSON.stringify([...after])}`);
  const fresh = after.get(hub).filter((n) => !before.get(hub).includes(n));
  assert.ok(fresh.length > 0, `tab ${hub} linked no new neighbour: ${JSON.stringify([...after])}`);
  for (const p of rest) assert.ok((await directLinks(p)) <= D_HI);
  await screenshot(rest[0], 'mesh-refilled-without-relay');

  // The relay returns: nothing breaks; a block mined now confirms the
  // payment everywhere.
  env.relay = await startRelay(addr);
  for (const p of rest) await waitForText(p, 'conn-state', 'online', 30_000);
  const miner = pages[3];
  await waitForText(miner, 'sync-state', 'ready', 30_000);
  await mineUntilAbove(miner, await height(miner));
  await converge(rest);
  for (const p of rest) await waitFor(p, () => document.querySelectorAll('[data-testid=pool-tx]').length === 0);
});
