// One round in headless Chromium, each on a page of its own: the scalar and
// the SIMD kernel called directly on the page's thread (the very worker
// binaries the app runs, loaded as plain scripts: no worker, no messages),
// and the classic design's miner (crypto-js SHA-256 over the JSON of
// timestamp, last hash, data, nonce and difficulty, as its cryptoHash does).
// Prints nonces/s, one per line.
import { launch } from './browser.mjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [url, msArg] = process.argv.slice(2);
const ms = Number(msArg || 6000);
const browser = await launch();

async function blankPage() {
  const page = await (await browser.newContext()).newPage();
  // Any same-origin document will do; the relay's health check is plain text.
  await page.goto(`${url}/healthz`);
  return page;
}

/** nonces/s of a worker binary's kernel called directly in a page. */
async function direct(name) {
  const page = await blankPage();
  await page.addScriptTag({ url: `/${name}.js` });
  const rate = await page.evaluate(async ([name, ms]) => {
    await wasm_bindgen({ module_or_path: `/${name}_bg.wasm` });
    const seed = Math.floor(Math.random() * 1e9);
    const chunk = 1 << 19;
    wasm_bindgen.search_direct(seed, 0, chunk); // compiled and warm
    let tried = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      if (wasm_bindgen.search_direct(seed, tried, chunk) >= 0) throw new Error('a nonce met an impossible target');
      tried += chunk;
    }
    return tried / ((performance.now() - t0) / 1000);
  }, [name, ms]);
  await page.context().close();
  return rate;
}

/** nonces/s of the classic design's miner loop. */
async function classic() {
  const page = await blankPage();
  await page.addScriptTag({ path: require.resolve('crypto-js/crypto-js.js') });
  const rate = await page.evaluate((ms) => {
    const cryptoHash = (...inputs) =>
      CryptoJS.SHA256(inputs.map((i) => JSON.stringify(i)).sort().join(' ')).toString();
    const hexToBinary = (hex) => [...hex].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
    const key = (n) => '04' + String(n).repeat(128).slice(0, 128);
    // A block's data as the classic design carries it: a transfer and the reward.
    const data = [
      { id: 'b4a1e6f0-5a1c-11ef-9c1e-5b7c0e6d2f11', outputMap: { [key(1)]: 25, [key(2)]: 975 },
        input: { timestamp: 1732190000000, amount: 1000, address: key(2),
          signature: { r: 'a1'.repeat(32), s: 'b2'.repeat(32), recoveryParam: 1 } } },
      { id: 'c5b2f7a1-5a1c-11ef-9c1e-5b7c0e6d2f11', input: { address: '*authorized-reward*' },
        outputMap: { [key(3)]: 50 } },
    ];
    const lastHash = 'e3'.repeat(32);
    const difficulty = 64; // never met: the loop runs for the whole time
    let nonce = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      for (let i = 0; i < 1000; i++) {
        nonce++;
        const timestamp = Date.now();
        const hash = cryptoHash(timestamp, lastHash, data, nonce, difficulty);
        if (hexToBinary(hash).substring(0, difficulty) === '0'.repeat(difficulty)) throw new Error('found');
      }
    }
    return nonce / ((performance.now() - t0) / 1000);
  }, ms);
  await page.context().close();
  return rate;
}

try {
  console.log(`direct_scalar ${await direct('miner')}`);
  console.log(`direct_simd ${await direct('miner_simd')}`);
  console.log(`classic ${await classic()}`);
} finally {
  await browser.close();
}
