// Accounts in real tabs: each tab its own account, create/rename/switch,
// export then import in another browser profile, a new tab taking an
// account no other tab uses, and an account locked with a passphrase.
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

  // Rename. The name field shows the selected account's name and follows
  // it when the account list is read back from storage, which may happen
  // just after the switch: a name typed before that is replaced, so it is
  // typed again until the rename takes.
  const renamed = () => /Savings/.test(document.querySelector('[data-testid=account-select]').selectedOptions[0].textContent);
  for (let attempt = 1; ; attempt++) {
    await a.fill('[data-testid=account-name]', 'Savings');
    await a.click('[data-testid=account-rename]');
    try {
      await waitFor(a, renamed, undefined, 5_000);
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }

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

test('accounts: a passphrase lock keeps no key in storage, survives reloads, guards sends, travels as a backup', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openTab(context, env.relay.url);
  await waitFor(a, () => document.querySelectorAll('[data-testid=account-select] option').length >= 1);
  const me = await text(a, 'address');
  await a.click('.export summary');
  await a.click('[data-testid=account-reveal]');
  const secret = await text(a, 'account-secret');
  await a.click('[data-testid=account-create]');
  await waitFor(a, (m) => document.querySelector('[data-testid=address]').textContent !== m, me);
  const payee = await text(a, 'address');
  await a.selectOption('[data-testid=account-select]', me);
  await waitForText(a, 'address', me);

  // Mistakes in the passphrase form, one sentence each.
  await a.click('[data-testid=protect-summary]');
  const protect = async (pass, again) => {
    await a.fill('[data-testid=protect-pass]', pass);
    await a.fill('[data-testid=protect-confirm]', again);
    await a.click('[data-testid=protect-button]');
  };
  const error = (page, re) => waitFor(page, (s) => new RegExp(s).test(document.querySelector('[data-testid=account-error]')?.textContent ?? ''), re);
  await protect('short', 'short');
  await error(a, 'at least 8 characters');
  await protect('correct horse', 'correct hors');
  await error(a, 'differ');
  await protect('correct horse', 'correct horse');
  await waitFor(a, () => /^Locked/.test(document.querySelector('[data-testid=lock-state]')?.textContent ?? ''));

  // No copy of the key in the clear: session, backup list, IndexedDB.
  const stored = await a.evaluate(async (address) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('tabcoin');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const record = await new Promise((ok, fail) => {
      const r = db.transaction('accounts').objectStore('accounts').get(address);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    db.close();
    return {
      session: JSON.stringify(Object.entries(sessionStorage)),
      local: JSON.stringify(Object.entries(localStorage)),
      record,
    };
  }, me);
  assert.ok(!stored.session.includes(secret), 'sessionStorage holds no key');
  assert.ok(!stored.local.includes(secret), 'localStorage holds no key');
  assert.ok(!stored.record.includes(secret), 'the account record holds no key');
  assert.match(stored.record, /"sealed":\{"kdf":"argon2id"/);

  // A locked account cannot send; a reload keeps it locked.
  const send = async (page) => {
    await page.fill('[data-testid=send-to]', payee);
    await page.fill('[data-testid=send-amount]', '5');
    await page.click('[data-testid=send-button]');
  };
  await send(a);
  await waitFor(a, () => /locked/.test(document.querySelector('[data-testid=send-error]')?.textContent ?? ''));
  await a.reload();
  await a.waitForSelector('[data-testid=chain-height]');
  await waitForText(a, 'address', me);
  await waitFor(a, () => /^Locked/.test(document.querySelector('[data-testid=lock-state]')?.textContent ?? ''));

  // The wrong passphrase is refused; the right one unlocks, and it sends.
  await a.fill('[data-testid=unlock-pass]', 'wrong horse');
  await a.click('[data-testid=unlock-button]');
  await error(a, 'does not unlock');
  await a.fill('[data-testid=unlock-pass]', 'correct horse');
  await a.click('[data-testid=unlock-button]');
  await waitFor(a, () => /^Unlocked/.test(document.querySelector('[data-testid=lock-state]')?.textContent ?? ''));
  await send(a);
  await waitFor(a, () => /^5 to /.test(document.querySelector('[data-testid=send-row]')?.textContent ?? ''));
  assert.equal(await a.$('[data-testid=send-error]'), null);
  await a.click('[data-testid=lock-button]');
  await waitFor(a, () => /^Locked/.test(document.querySelector('[data-testid=lock-state]')?.textContent ?? ''));

  // The encrypted backup opens in another browser profile with the passphrase.
  await a.click('[data-testid=backup-summary]');
  const backup = await text(a, 'account-backup');
  assert.ok(!backup.includes(secret));
  const elsewhere = await openTab(await env.browser.newContext(), env.relay.url);
  await waitFor(elsewhere, () => document.querySelectorAll('[data-testid=account-select] option').length >= 1);
  await elsewhere.click('.import summary');
  await elsewhere.fill('[data-testid=import-secret]', backup.replace('argon2id', 'scrypt'));
  await elsewhere.click('[data-testid=import-button]');
  await error(elsewhere, 'Backup: this locked key uses scrypt');
  await elsewhere.fill('[data-testid=import-secret]', backup);
  await elsewhere.click('[data-testid=import-button]');
  await waitForText(elsewhere, 'address', me);
  await waitFor(elsewhere, () => /^Locked/.test(document.querySelector('[data-testid=lock-state]')?.textContent ?? ''));
  await elsewhere.fill('[data-testid=unlock-pass]', 'correct horse');
  await elsewhere.click('[data-testid=unlock-button]');
  await waitFor(elsewhere, () => /^Unlocked/.test(document.querySelector('[data-testid=lock-state]')?.textContent ?? ''));
  await screenshot(a, 'accounts-locked');
});
