// The GPU benchmark page (gpu.html): the GPU search, then one SIMD
// worker's kernel, each for a few seconds on this machine; `?auto=1` starts
// at once and `window.result` holds the numbers (`cargo xtask bench gpu`).
const params = new URLSearchParams(location.search);
const ms = Number(params.get('ms') || 5000);
const mega = (r) => `${(r / 1e6).toFixed(2)} M/s`;
const load = (src) => new Promise((resolve, reject) => {
  const s = document.createElement('script');
  s.src = src; s.onload = resolve; s.onerror = () => reject(new Error(`cannot load ${src}`));
  document.head.appendChild(s);
});
const row = (what, rate) => {
  const tr = document.createElement('tr');
  tr.innerHTML = `<td></td><td>${rate}</td>`;
  tr.firstChild.textContent = what;
  document.getElementById('rows').appendChild(tr);
};
async function run() {
  const status = document.getElementById('status');
  const seed = Math.floor(Math.random() * 1e9);
  const result = {};
  status.textContent = 'GPU…';
  await load('./miner_gpu.js');
  await wasm_bindgen({ module_or_path: './miner_gpu_bg.wasm' });
  try {
    const [rate, adapter] = await wasm_bindgen.gpu_rate(seed, ms);
    Object.assign(result, { gpu: rate, adapter });
    row(`GPU (${adapter})`, mega(rate));
  } catch (e) {
    result.error = String(e);
    row('GPU', `not available: ${e}`);
  }
  status.textContent = 'one CPU miner worker…';
  // The app's own SIMD miner worker, given the same job by its message.
  const job = wasm_bindgen.bench_job(seed);
  const worker = new Worker('./miner_simd_loader.js');
  const last = await new Promise((resolve) => {
    let progress = null;
    worker.onmessage = (e) => {
      const msg = JSON.parse(e.data[0]);
      if (msg.type === 'ready') {
        worker.postMessage([job, new Uint8Array()]);
        setTimeout(() => resolve(progress), ms);
      } else if (msg.type === 'progress') {
        progress = msg;
      }
    };
  });
  worker.terminate();
  result.simd = last ? last.tried / (last.elapsed_ms / 1000) : 0;
  row('1 CPU miner worker (SIMD ×4 kernel)', mega(result.simd));
  if (result.gpu) row('GPU ÷ 1 CPU worker', `${(result.gpu / result.simd).toFixed(2)}×`);
  status.textContent = 'done';
  return result;
}
const button = document.getElementById('run');
button.onclick = () => { button.disabled = true; window.result = run(); };
if (params.get('auto')) button.onclick();
