// Accounts in real tabs: each tab its own account, create/rename/switch,
// export then import in another browser profile, and a new tab taking an
// account no other tab uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  openTab,
  screenshot,
  setup,
  text,
  waitFor,
  waitForText,
} from './helpers.mjs';

const env = setup();

const options = (page) => page.$$eval('[data-testid=account-select] option', (os) => os.map((o) => o.value));

test('accounts: create, rename, switch, export, import, reuse', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openTab(context, env.relay.url);
  await waitFor(a, () => document.querySelectorAll('[data-testid=account-select] option').length >= 1);
  const first = await text(a, 'address');

  // A new account, then back to the first.
  await a.click('[data-testid=account-create]');
  await waitFor(a, (f) => document.querySelector('[data-testid=address]').textContent !== f, first);
  const second = await text(a, 'address');
  assert.deepEqual((await options(a)).sort(), [first, second].sort());
  await a.selectOption('[data-testid=account-select]', first);
  await waitForText(a, 'address', first);

  // Rename.
  await a.fill('[data-testid=account-name]', 'Savings');
  await a.click('[data-testid=account-rename]');
  await waitFor(a, () => /Savings/.test(document.querySelector('[data-testid=account-select]').selectedOptions[0].textContent));

  // Export the secret, import it in another browser profile.
  await a.click('.export summary');
  await a.click('[data-testid=account-reveal]');
  const secret = await text(a, 'account-secret');
  assert.match(secret, /^[0-9a-f]{64}$/);
  const elsewhere = await openTab(await env.browser.newContext(), env.relay.url);
  await waitFor(elsewhere, () => document.querySelectorAll('[data-testid=account-select] option').length >= 1);
  await elsewhere.click('.import summary');
  await elsewhere.fill('[data-testid=import-secret]', 'not a key');
  await elsewhere.click('[data-testid=import-button]');
  await waitFor(elsewhere, () => /Secret key/.test(document.querySelector('[data-testid=account-error]')?.textContent ?? ''));
  await elsewhere.fill('[data-testid=import-secret]', secret);
  await elsewhere.fill('[data-testid=import-name]', 'From the other browser');
  await elsewhere.click('[data-testid=import-button]');
  await waitForText(elsewhere, 'address', first);
  await screenshot(a, 'accounts');

  // A second tab gets an account the first tab is not using.
  const b = await openTab(context, env.relay.url);
  await waitFor(b, () => document.querySelectorAll('[data-testid=account-select] option').length >= 2);
  assert.notEqual(await text(b, 'address'), await text(a, 'address'));
  const bAddress = await text(b, 'address');
  assert.equal(bAddress, second, 'the unused account is reused, not a new one made');
  // Close it; once its lease lapses a new tab takes that account again.
  await b.close();
  await a.waitForTimeout(5_500);
  const c = await openTab(context, env.relay.url);
  await waitFor(c, (s) => document.querySelector('[data-testid=address]').textContent === s, second);
});
