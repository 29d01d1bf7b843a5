// Syncing a long chain from a native peer (crates/node/examples/sync_peer.rs, the app's
// own node logic): a new tab checks the signatures of each batch in its
// verifier workers, or with `?verify=main` on the page's thread; both end on
// the peer's tip, and the network panel says where the signatures were
// checked.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

import { setup, text, waitFor } from './helpers.mjs';

const env = setup();
const BLOCKS = 300;

/** Starts the native peer with a chain of `blocks` blocks of `txs` transactions; resolves with its tip. */
function startPeer(relayUrl, blocks, txs) {
  const bin = process.env.TABCOIN_SYNC_PEER;
  if (!bin) throw new Error('TABCOIN_SYNC_PEER is not set: run the end-to-end tests with `cargo xtask test`');
  const proc = spawn(bin, [`${relayUrl.replace('http://', 'ws://')}/ws`, String(blocks), String(txs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('sync peer did not start within 60 s')), 60_000);
    proc.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/ready (\d+) ([0-9a-f]{64})/);
      if (m) {
        clearTimeout(timer);
        resolve({ height: Number(m[1]), tip: m[2], stop: () => proc.stdin.end() });
      }
    });
    proc.on('exit', (code) => reject(new Error(`sync peer exited with ${code}`)));
  });
}

async function syncedTab(query) {
  const page = await (await env.browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error(`# page error: ${e.message}`));
  await page.goto(`${env.relay.url}/?net=test${query}`);
  await waitFor(
    page,
    (h) => document.querySelector('[data-testid=chain-height]')?.textContent === h
      && document.querySelector('[data-testid=sync-state]')?.textContent === 'ready',
    String(BLOCKS),
    60_000,
  );
  return page;
}

test('a new tab syncs 300 blocks of 10 transactions, signatures checked in verifier workers', async () => {
  const peer = await startPeer(env.relay.url, BLOCKS, 10);
  try {
    assert.equal(peer.height, BLOCKS);
    const workers = await syncedTab('');
    assert.equal(await workers.getAttribute('[data-testid=tip-hash]', 'title'), peer.tip);
    const [byWorkers, onPage] = [Number(await text(workers, 'sig-workers')), Number(await text(workers, 'sig-page'))];
    assert.ok(byWorkers >= BLOCKS * 10 * 0.9, `${byWorkers} signatures in workers, ${onPage} on the page`);
    assert.ok(onPage < byWorkers / 10, `${byWorkers} signatures in workers, ${onPage} on the page`);

    const main = await syncedTab('&verify=main');
    assert.equal(await main.getAttribute('[data-testid=tip-hash]', 'title'), peer.tip);
    assert.equal(Number(await text(main, 'sig-workers')), 0);
    assert.ok(Number(await text(main, 'sig-page')) >= BLOCKS * 10);
  } finally {
    peer.stop();
  }
});
