// Miner benchmark in headless Chromium, through the app's real worker code
// path: the page on the `bench` network (no block is ever found, so workers
// hash without interruption), N workers, the scalar or the SIMD kernel; the
// rates the workers report are read from the page. Candidates run
// interleaved over rounds; prints the medians, one per line.
import { launch } from './browser.mjs';

const [url, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 3);
const browser = await launch();

const perSecond = (t) => {
  const m = t.match(/([\d.]+) (k|M)?H\/s/);
  if (!m) return 0;
  return Number(m[1]) * (m[2] === 'M' ? 1e6 : m[2] === 'k' ? 1e3 : 1);
};

/** Total and per-worker nonces/s with `workers` workers of `kernel`. */
async function measure(kernel, workers) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/?net=bench${kernel === 'scalar' ? '&kernel=scalar' : ''}`);
  await page.waitForSelector('[data-testid=mine-button]');
  await page.waitForFunction((k) => document.querySelector('[data-testid=kernel]')?.textContent.toLowerCase().includes(k), kernel === 'simd' ? 'simd' : 'scalar');
  // The page may still be settling (stored settings, first render): set the
  // count until it holds.
  for (let i = 0; i < 20 && (await page.inputValue('[data-testid=workers]')) !== String(workers); i++) {
    await page.fill('[data-testid=workers]', String(workers));
    await page.dispatchEvent('[data-testid=workers]', 'change');
    await page.waitForTimeout(100);
  }
  await page.click('[data-testid=mine-button]');
  await page.waitForTimeout(6000);
  const rates = await page.$$eval('[data-testid=worker-rate]', (es) => es.map((e) => e.textContent));
  await context.close();
  if (rates.length !== workers) throw new Error(`${rates.length} workers ran, ${workers} asked for`);
  const each = rates.map(perSecond);
  return { total: each.reduce((a, b) => a + b, 0), each };
}

const cores = await (async () => {
  const p = await browser.newPage();
  const n = await p.evaluate(() => navigator.hardwareConcurrency);
  await p.close();
  return n;
})();
const out = { cores, scalar: [], simd: [], scaling: {} };
for (let r = 0; r < rounds; r++) {
  out.scalar.push((await measure('scalar', 1)).total);
  out.simd.push((await measure('simd', 1)).total);
  for (let n = 1; n <= cores; n++) {
    (out.scaling[n] ||= []).push((await measure('simd', n)).total);
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`cores ${cores}`);
console.log(`scalar ${median(out.scalar)}`);
console.log(`simd ${median(out.simd)}`);
for (const [n, v] of Object.entries(out.scaling)) console.log(`scale ${n} ${median(v)}`);
await browser.close();
