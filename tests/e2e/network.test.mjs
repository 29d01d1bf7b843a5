// The network in real tabs: a late tab syncs a longer chain; a network of
// one's own is created, shared by its invite link and joined in another
// browser, by proof of work or of authority; tabs survive a relay restart; with the relay down, tabs of one
// browser still work together.
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
  startRelay,
  text,
  waitFor,
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

test('a network made with the form is joined by its invite link in another browser', async () => {
  const a = await openTab(await env.browser.newContext(), env.relay.url);
  const aAddress = await text(a, 'address');
  await a.click('[data-testid=new-network]');
  await a.waitForSelector('[data-testid=net-create]');
  // The current account is the first allocation.
  await waitFor(a, (want) => document.querySelector('[data-testid=net-allocations]').value === want, `${aAddress} 1000`);
  // Each field sits beside its label, a usable width (the default 1280 px
  // page).
  const beside = await a.evaluate(() => ['net-name', 'net-block-time', 'net-bits', 'net-reward'].map((id) => {
    const field = document.getElementById(id).getBoundingClientRect();
    const label = document.querySelector(`label[for=${id}]`).getBoundingClientRect();
    return { id, same_row: Math.abs(field.top + field.height / 2 - (label.top + label.height / 2)) < 12, right: field.left > label.left, wide: field.width >= 150 };
  }));
  for (const f of beside) assert.deepEqual(f, { id: f.id, same_row: true, right: true, wide: true });
  // A mistake gets its sentence and creates nothing.
  await a.fill('[data-testid=net-name]', 'Friends');
  await a.click('[data-testid=net-create]');
  await waitForText(a, 'net-error', "The name may hold lowercase letters, digits and dashes, not 'F'.");
  assert.equal(await a.$('[data-testid=net-created]'), null);
  await a.fill('[data-testid=net-name]', 'friends-e2e');
  await a.fill('[data-testid=net-block-time]', '1');
  await a.fill('[data-testid=net-bits]', '8');
  await a.click('[data-testid=net-create]');
  await a.waitForSelector('[data-testid=net-created]');
  await screenshot(a, 'network-new');
  // The form keeps what was typed.
  assert.equal(await a.inputValue('[data-testid=net-name]'), 'friends-e2e');
  const id = await text(a, 'net-id');
  const invite = await a.getAttribute('[data-testid=net-invite]', 'href');
  assert.match(invite, /\?spec=/);
  const short = await a.getAttribute('[data-testid=net-short-invite]', 'href');
  assert.ok(short.endsWith(`?network=${id}`), short);

  // Another browser opens the link: the same network, recomputed from the
  // spec; nothing allocated to it.
  const b = await (await env.browser.newContext()).newPage();
  await b.goto(invite);
  await b.waitForSelector('[data-testid=chain-height]');
  assert.ok((await text(b, 'network-id')).endsWith(id), 'B runs the network the link names');
  await waitForText(b, 'balance', '0');
  // The creator joins too and holds its allocation.
  await a.goto(invite);
  await a.waitForSelector('[data-testid=chain-height]');
  assert.ok((await text(a, 'network-id')).endsWith(id));
  await waitForText(a, 'balance', '1000');
  await waitForText(a, 'conn-state', 'online');
  await sameTip(a, b);
  // A pays B from its allocation; B mines it.
  await pay(a, await text(b, 'address'), 25, b);
  await mineUntilAbove(b, await height(b));
  await sameTip(a, b);
  await waitForText(a, 'balance', '975');
  assert.ok(Number(await text(b, 'balance')) >= 25 + 50);
  // The short link names the id only: a third browser asks A and B for
  // the spec, checks it, and joins.
  const d = await (await env.browser.newContext()).newPage();
  await d.goto(short);
  await d.waitForSelector('[data-testid=chain-height]', { timeout: 20_000 });
  assert.ok((await text(d, 'network-id')).endsWith(id), 'D runs the network the id names');
  await sameTip(a, d);
  // A link whose spec is not valid says so and runs demo.
  const c = await (await env.browser.newContext()).newPage();
  await c.goto(invite.replace('friends-e2e', 'Friends'));
  await c.waitForSelector('[data-testid=net-problem]');
  assert.match(await text(c, 'net-problem'), /not valid .*lowercase letters/);
  await c.goto(short.replace(/network=.*/, 'network=beef'));
  await waitForText(c, 'net-problem', 'The link\'s network id is not 64 hex digits; this tab runs demo.');
  await screenshot(a, 'network-own');
});

test('on a proof-of-authority network the authority seals and a follower cannot, yet is paid', async () => {
  const a = await openTab(await env.browser.newContext(), env.relay.url);
  const aAddress = await text(a, 'address');
  await a.click('[data-testid=new-network]');
  await a.waitForSelector('[data-testid=net-create]');
  await a.check('[data-testid=net-poa]');
  // The current account is the first authority and the first allocation.
  await waitFor(a, (want) => document.querySelector('[data-testid=net-authorities]').value === want, aAddress);
  await a.fill('[data-testid=net-name]', 'office-e2e');
  await a.fill('[data-testid=net-block-time]', '1');
  await a.click('[data-testid=net-create]');
  await a.waitForSelector('[data-testid=net-created]');
  const id = await text(a, 'net-id');
  const invite = await a.getAttribute('[data-testid=net-invite]', 'href');

  const b = await (await env.browser.newContext()).newPage();
  await b.goto(invite);
  await a.goto(invite);
  for (const tab of [a, b]) {
    await tab.waitForSelector('[data-testid=sealing]');
    assert.ok((await text(tab, 'network-id')).endsWith(id));
    assert.equal(await text(tab, 'authority-count'), '1');
  }
  await waitForText(a, 'balance', '1000');
  await waitForText(a, 'conn-state', 'online');
  // A seals; B sees A's sealed blocks, cannot seal, and says why.
  await a.click('[data-testid=seal-button]');
  await waitFor(a, () => Number(document.querySelector('[data-testid=chain-height]').textContent) >= 2);
  await sameTip(a, b);
  assert.match(await text(b, 'sealing-status'), /^This account cannot seal: the network's blocks are sealed by its 1 authority/);
  assert.ok(await b.isDisabled('[data-testid=seal-button]'));
  assert.equal(await text(b, 'block-maker'), `${aAddress.slice(0, 8)}…${aAddress.slice(-4)}`);
  // A pays B (sealing paused, so B sees it pending); A's next sealed
  // block carries it.
  await a.click('[data-testid=seal-button]');
  await waitForText(a, 'seal-button', 'Start sealing');
  assert.match(await text(a, 'sealing-status'), /^This account is authority 1: start sealing/);
  await pay(a, await text(b, 'address'), 25, b);
  await a.click('[data-testid=seal-button]');
  await waitForText(b, 'balance', '25');
  await sameTip(a, b);
  assert.match(await text(a, 'sealing-status'), /^Authority 1: sealing the next block in turn/);
  await screenshot(b, 'network-authority-follower');

  // B joins the built-in test network as well, on the same relay
  // connection, and mines there while A's network goes on.
  const row = (page, name) => `[data-testid=network-row][data-name="${name}"]`;
  const rowHeight = async (page, name) => Number(await page.textContent(`${row(page, name)} [data-testid=network-height]`));
  await b.click('[data-testid=network-join][data-name=test]');
  await waitForText(b, 'network-name', 'test');
  await waitForText(b, 'conn-state', 'online');
  const officeBefore = await rowHeight(b, 'office-e2e');
  await b.click('[data-testid=mine-button]');
  await waitFor(b, () => Number(document.querySelector('[data-testid=chain-height]').textContent) >= 2);
  await waitFor(b, (h) => Number(document.querySelector('[data-testid=network-row][data-name="office-e2e"] [data-testid=network-height]').textContent) > h, officeBefore);
  assert.equal(await b.textContent(`${row(b, 'test')} [data-testid=network-making]`), 'mining');
  assert.equal(await b.textContent(`${row(b, 'office-e2e')} [data-testid=network-making]`), '');
  await screenshot(b, 'network-two-at-once');
  // B leaves A's network: A sees it go, B's test network keeps mining.
  await b.click(`${row(b, 'office-e2e')} [data-testid=network-leave]`);
  await waitFor(b, () => !document.querySelector('[data-testid=network-row][data-name="office-e2e"]'));
  await waitForText(a, 'peer-count', '0');
  const testHeight = await height(b);
  await waitFor(b, (h) => Number(document.querySelector('[data-testid=chain-height]').textContent) > h, testHeight);
  await b.click('[data-testid=mine-button]');
  await waitForText(b, 'mine-button', 'Start mining');
  // A seals on alone; B rejoins, shows it and catches up from where it left.
  await waitFor(a, (h) => Number(document.querySelector('[data-testid=chain-height]').textContent) > h + 2, officeBefore);
  await b.click('[data-testid=network-rejoin]');
  await waitForText(b, 'network-name', 'office-e2e');
  await sameTip(a, b);
  await waitForText(b, 'balance', '25');
  assert.equal(await b.$$eval('[data-testid=network-row]', (rows) => rows.length), 2);
  // Leaving and deleting asks first: "keep" changes nothing, "delete" leaves.
  await b.click(`${row(b, 'office-e2e')} [data-testid=network-delete]`);
  await b.click(`${row(b, 'office-e2e')} [data-testid=network-delete-keep]`);
  assert.equal(await b.$$eval('[data-testid=network-row]', (rows) => rows.length), 2);
  await b.click(`${row(b, 'office-e2e')} [data-testid=network-delete]`);
  await b.click(`${row(b, 'office-e2e')} [data-testid=network-delete-confirm]`);
  await waitFor(b, () => !document.querySelector('[data-testid=network-row][data-name="office-e2e"]'));
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
