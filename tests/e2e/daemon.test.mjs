// A headless node beside a tab (crates/daemon, `tabcoind`): the tab mines
// and the node's API follows it; a payment sent through the API shows as
// pending in the tab and the tab's next block confirms it; a payment sent
// from the tab reaches the node's pool.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { height, mineUntilAbove, openTab, setup, text, waitFor } from './helpers.mjs';

const env = setup();

/**
 * Starts tabcoind on the relay's test room; resolves with its API URL, its API token (read from the
 * cookie file whose path it prints at start) and a stop function.
 */
function startNode(relayUrl) {
  const bin = process.env.TABCOIN_DAEMON;
  if (!bin) throw new Error('TABCOIN_DAEMON is not set: run the end-to-end tests with `cargo xtask test`');
  const proc = spawn(bin, ['--net', 'test', '--relay', `${relayUrl.replace('http://', 'ws://')}/ws`, '--api', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('tabcoind did not start within 10 s')), 10_000);
    proc.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/api (http:\/\/\S+)\ncookie (\S+)\n/);
      if (m) {
        clearTimeout(timer);
        const token = readFileSync(m[2], 'utf8').trim();
        resolve({ api: m[1], token, stop: () => proc.kill('SIGINT') });
      }
    });
    proc.on('exit', (code) => reject(new Error(`tabcoind exited with ${code}`)));
  });
}

async function api(node, path, body) {
  const auth = { authorization: `Bearer ${node.token}` };
  const r = await fetch(`${node.api}${path}`, body === undefined ? { headers: auth } : {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

/** Polls the node's `path` until `ok` holds of its JSON (20 s at most). */
async function until(node, path, ok) {
  let last;
  for (let i = 0; i < 200; i++) {
    last = (await api(node, path)).json;
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path}: ${JSON.stringify(last)}`);
}

test('tabcoind follows a tab, pays it through its API and is paid by it', async () => {
  const node = await startNode(env.relay.url);
  try {
    const page = await openTab(await env.browser.newContext(), env.relay.url);
    await mineUntilAbove(page, await height(page));
    const tip = await page.getAttribute('[data-testid=tip-hash]', 'title');
    await until(node, '/api/chain', (c) => c.tip === tip);

    // Through the API to the tab: pending there, confirmed by its next block.
    const tabAddress = await text(page, 'address');
    const sent = await api(node, '/api/transact', { to: tabAddress, amount: 25 });
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
    await waitFor(page, () => document.querySelectorAll('[data-testid=pool-tx]').length === 1);
    await mineUntilAbove(page, await height(page));
    const confirmed = await until(node, '/api/pool', (p) => p.transactions.length === 0);
    assert.deepEqual(confirmed.transactions, []);
    const account = await until(node, `/api/addresses/${tabAddress}`, (a) => a.history.length >= 1);
    assert.ok(account.history.some((h) => h.received === 25), JSON.stringify(account));

    // From the tab to the node: it reaches the node's pool.
    const wallet = (await api(node, '/api/wallet')).json;
    await page.fill('[data-testid=send-to]', wallet.address);
    await page.fill('[data-testid=send-amount]', '7');
    await page.click('[data-testid=send-button]');
    const pool = await until(node, '/api/pool', (p) => p.transactions.length === 1);
    assert.equal(pool.transactions[0].outputs[wallet.address], 7);
  } finally {
    node.stop();
  }
});
