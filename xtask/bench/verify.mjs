// Signature verifications per second in headless Chromium: tabcoin's
// verifier worker (k256 as the app builds it) checking a batch of N
// signatures, and the classic design's `elliptic` verifying the same
// signatures on a page. The signatures are made with elliptic (low-S, as
// k256 requires) over random digests. Prints both rates.
import { launch } from './browser.mjs';
import { build } from 'esbuild';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [url, nArg] = process.argv.slice(2);
const n = Number(nArg || 2000);
const bundle = await build({
  entryPoints: [require.resolve('elliptic')],
  bundle: true, format: 'iife', globalName: 'elliptic', write: false, logLevel: 'silent',
});
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${url}/healthz`);
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const out = await page.evaluate(async (n) => {
    const ec = new elliptic.ec('secp256k1');
    const items = [];
    const records = new Uint8Array(n * 129);
    for (let i = 0; i < n; i++) {
      const key = ec.genKeyPair();
      const digest = crypto.getRandomValues(new Uint8Array(32));
      const sig = key.sign(digest, { canonical: true });
      const pub = key.getPublic(true, 'array');
      records.set(digest, i * 129);
      records.set(pub, i * 129 + 32);
      records.set(sig.r.toArray('be', 32), i * 129 + 65);
      records.set(sig.s.toArray('be', 32), i * 129 + 97);
      items.push({ digest, sig: { r: sig.r, s: sig.s }, pub });
    }
    // elliptic on the page, key parsing included (k256 decompresses too),
    // after a warm-up like the worker's.
    for (const { digest, sig, pub } of items.slice(0, 16)) ec.verify(digest, sig, pub);
    let t0 = performance.now();
    let ellipticOk = 0;
    for (const { digest, sig, pub } of items) if (ec.verify(digest, sig, pub)) ellipticOk++;
    const ellipticRate = n / ((performance.now() - t0) / 1000);
    // The verifier worker, as the app uses it.
    const worker = new Worker('/verifier_loader.js');
    // Messages are [JSON, bytes] both ways (src/workers/messages.rs).
    const next = () => new Promise((resolve) => {
      worker.onmessage = (e) => resolve({ msg: JSON.parse(e.data[0]), bytes: e.data[1] });
    });
    if ((await next()).msg.type !== 'ready') throw new Error('verifier did not start');
    const check = (tag, bytes) => worker.postMessage([JSON.stringify({ type: 'check', tag }), bytes]);
    // Warm-up batch, then the measured one.
    check(0, records.slice(0, 129 * 16));
    await next();
    t0 = performance.now();
    check(1, records);
    const { bytes: flags } = await next();
    const wasmRate = n / ((performance.now() - t0) / 1000);
    worker.terminate();
    return { ellipticRate, wasmRate, ellipticOk, wasmOk: flags.reduce((a, b) => a + b, 0) };
  }, n);
  if (out.ellipticOk !== n || out.wasmOk !== n) throw new Error(`not every signature verified: ${JSON.stringify(out)}`);
  console.log(`wasm ${out.wasmRate}`);
  console.log(`elliptic ${out.ellipticRate}`);
} finally {
  await browser.close();
}
