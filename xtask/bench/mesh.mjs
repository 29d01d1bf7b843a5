// Mesh benchmark in headless Chromium: TABS tabs on the `test` network, each
// in its own browser context, served by the relay at URL. MODE `mesh` lets
// them link directly (WebRTC); `relay` (`?links=0`) sends everything through
// the relay. The tabs take turns mining BLOCKS blocks; for each, the time
// from the miner showing it to the last tab showing it. Prints the median
// and the worst of those times, and the relay's chain bytes received and
// bytes sent to tabs per block (from its /stats), and how many messages each
// tab received over its direct links per block.
import { launch } from './browser.mjs';

const [url, mode, tabs = '10', blocks = '20'] = process.argv.slice(2);
const query = mode === 'relay' ? '&links=0' : '';
const stats = async () => (await fetch(`${url}/stats`)).json();
const tip = (p) => p.textContent('[data-testid=tip-hash]');
const height = async (p) => Number(await p.textContent('[data-testid=chain-height]'));
/** Node messages the tab received over its direct links (open ones). */
const heard = (p) => p.$$eval('[data-testid=neighbour][data-kind=direct]',
  (rows) => rows.reduce((sum, r) => sum + Number(r.dataset.messages), 0));
const heardByAll = async (pages) => (await Promise.all(pages.map(heard))).reduce((a, b) => a + b, 0);

async function sameTip(pages) {
  for (let i = 0; i < 600; i++) {
    const tips = await Promise.all(pages.map(tip));
    if (tips.every((t) => t === tips[0])) return tips[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the tabs did not converge');
}

/** Resolves with the page's clock (ms) when its tip is no longer `before`. */
const changed = (p, before) => p.evaluate((before) => new Promise((resolve) => {
  const id = setInterval(() => {
    if (document.querySelector('[data-testid=tip-hash]').textContent !== before) {
      clearInterval(id);
      resolve(Date.now());
    }
  }, 2);
}), before);

const browser = await launch();
try {
  const pages = [];
  for (let i = 0; i < Number(tabs); i++) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/?net=test${query}`);
    await page.waitForFunction(() => document.querySelector('[data-testid=conn-state]')?.textContent === 'online', null, { timeout: 60000 });
    pages.push(page);
  }
  if (mode !== 'relay') {
    for (const p of pages) {
      await p.waitForFunction(() => Number(document.querySelector('[data-testid=neighbours]')?.textContent) >= 4, null, { timeout: 90000 });
    }
  }
  await sameTip(pages);
  const start = { stats: await stats(), height: await height(pages[0]), heard: await heardByAll(pages) };
  const reach = [];
  for (let k = 0; k < Number(blocks); k++) {
    const miner = pages[k % pages.length];
    const before = await tip(miner);
    const seen = pages.map((p) => changed(p, before));
    await miner.click('[data-testid=mine-button]');
    const mined = await seen[k % pages.length];
    await miner.click('[data-testid=mine-button]');
    const all = await Promise.all(seen);
    reach.push(Math.max(...all) - mined);
    await sameTip(pages);
  }
  const end = { stats: await stats(), height: await height(pages[0]), heard: await heardByAll(pages) };
  const count = end.height - start.height;
  reach.sort((a, b) => a - b);
  const at = (q) => reach[Math.min(reach.length - 1, Math.floor(q * reach.length))];
  console.log(`reach_p50_ms ${at(0.5)}`);
  console.log(`reach_max_ms ${reach[reach.length - 1]}`);
  console.log(`relay_chain_bytes_in_per_block ${(end.stats.chain_bytes - start.stats.chain_bytes) / count}`);
  console.log(`link_bodies_per_tab_per_block ${(end.heard - start.heard) / count / pages.length}`);
  console.log(`relay_bytes_out_per_block ${(end.stats.bytes_out - start.stats.bytes_out) / count}`);
} finally {
  await browser.close();
}
