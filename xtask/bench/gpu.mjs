// The GPU search against one SIMD worker's kernel, in headless Chromium
// with WebGPU on: the page users can open themselves (`/gpu.html`), run
// by itself. Here the adapter is Chromium's SwiftShader, a CPU emulation:
// the row names it, and it is not the claim. Prints `gpu N`, `simd N` and
// `adapter NAME`.
import { chromium } from 'playwright-core';

const [url, msArg] = process.argv.slice(2);
const ms = Number(msArg || 5000);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--enable-unsafe-webgpu'],
});
const page = await (await browser.newContext()).newPage();
await page.goto(`${url}/gpu.html?auto=1&ms=${ms}`);
const result = await page.evaluate(() => window.result);
await browser.close();
if (!result.gpu) throw new Error(`no GPU result: ${result.error}`);
console.log(`gpu ${result.gpu}`);
console.log(`simd ${result.simd}`);
console.log(`adapter ${result.adapter}`);
