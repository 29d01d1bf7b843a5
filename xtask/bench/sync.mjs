// Sync benchmark in headless Chromium: a new tab (fresh storage) on the
// `test` network opens the app served by the relay at URL, where a native
// peer (crates/node/examples/sync_peer.rs) holds a chain of HEIGHT blocks
// (arguments: URL HEIGHT [QUERY] [TIMEOUT_MS]). Prints the
// milliseconds from navigation until the tab shows that height and says it
// is in step (waiting at most TIMEOUT_MS, 120 s by default).
import { launch } from './browser.mjs';

const [url, height, query = '', timeout = '120000'] = process.argv.slice(2);
const browser = await launch();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/?net=test${query}`);
  const ms = await page.waitForFunction((h) => {
    const shown = document.querySelector('[data-testid=chain-height]')?.textContent;
    const sync = document.querySelector('[data-testid=sync-state]')?.textContent || '';
    return shown === h && !sync.includes('sync') ? performance.now() : false;
  }, height, { timeout: Number(timeout), polling: 20 });
  console.log(`ready_ms ${await ms.jsonValue()}`);
} finally {
  await browser.close();
}
