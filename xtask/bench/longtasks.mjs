// UI responsiveness while mining: a new tab on the `demo` network mines
// with as many workers as the browser has cores for MS milliseconds (blocks
// are found, the chain grows, the page re-renders); the Long Tasks API
// reports every main-thread task over 50 ms. Prints the longest task, the
// count of long tasks, and the blocks mined.
import { launch } from './browser.mjs';

const [url, msArg] = process.argv.slice(2);
const ms = Number(msArg || 30000);
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${url}/?net=demo`);
  await page.waitForSelector('[data-testid=mine-button]');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await page.fill('[data-testid=workers]', String(cores));
  await page.dispatchEvent('[data-testid=workers]', 'change');
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  await page.click('[data-testid=mine-button]');
  await page.waitForTimeout(ms);
  const tasks = await page.evaluate(() => window.longTasks);
  const height = await page.textContent('[data-testid=chain-height]');
  console.log(`longest ${tasks.length ? Math.max(...tasks) : 0}`);
  console.log(`count ${tasks.length}`);
  console.log(`blocks ${height}`);
  console.log(`workers ${cores}`);
} finally {
  await browser.close();
}
