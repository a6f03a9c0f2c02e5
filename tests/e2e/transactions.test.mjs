// End to end: a transactional producer's records stay invisible to a read_committed consumer
// (held at the last stable offset) while its transaction is open, appear once it commits, and
// an aborted transaction's records never do; the partition logs show the COMMIT and ABORT
// markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('commit and abort transactions, read them with read_committed', async () => {
  const playground = await suite.open(7, { width: 1400, height: 1500 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic(1);

  await page.getByTestId('producer-transactional-id').fill('orders-tx');
  await page.getByTestId('producer-add').click();
  const state = page.getByTestId('txn-state').first();
  await state.waitFor();
  assert.match(await state.textContent(), /^UNINITIALIZED/);
  await page.getByTestId('txn-init').click();
  await page.waitForFunction(() => /^READY/.test(document.querySelector('[data-testid=txn-state]').textContent),
    null, { timeout: 20_000 });

  await page.getByTestId('consumer-isolation').selectOption('read_committed');
  await page.getByTestId('consumer-add').click();
  await page.getByTestId('group').first().waitFor({ timeout: 20_000 });
  // The form keeps showing what was chosen while the page re-renders (it once fell back to
  // its first option while the consumer used the other).
  assert.equal(await page.getByTestId('consumer-isolation').inputValue(), 'read_committed');

  // An open transaction: the log has the records, the reader does not, the LSO shows.
  await page.getByTestId('txn-begin').click();
  await page.getByTestId('send-value').fill('paid');
  await page.getByTestId('send').click();
  await page.getByTestId('lso').first().waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('consumed-record').count(), 0);
  assert.match(await state.textContent(), /^IN_TRANSACTION #1/);

  await page.getByTestId('txn-commit').click();
  await page.getByTestId('consumed-record').first().waitFor({ timeout: 30_000 });
  const read = await page.getByTestId('consumed-record').first().textContent();
  assert.match(read, /paid/);
  assert.match(read, /yes/, 'marked as transactional');

  // An aborted transaction: written, never read.
  await page.getByTestId('txn-begin').click();
  await page.getByTestId('send-value').fill('refunded');
  await page.getByTestId('send').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=replica] .record.transactional')]
    .some((r) => r.title.includes('refunded')), null, { timeout: 20_000 });
  await page.getByTestId('txn-abort').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=replica] .record.marker.abort')].length > 0,
    null, { timeout: 20_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=lso]'), null, { timeout: 20_000 });
  const events = await playground.events();
  assert.ok(events.some((e) => e.includes('transaction of orders-tx committed')), events.join('\n'));
  assert.ok(events.some((e) => e.includes('transaction of orders-tx aborted')), events.join('\n'));
  const records = await page.getByTestId('consumed-record').allTextContents();
  assert.ok(!records.some((r) => r.includes('refunded')), records.join('\n'));
  assert.equal(await page.locator('[data-testid=replica] .record.marker.commit').count() > 0, true);
  console.log('screenshot:', await playground.screenshot('transactions'));
  assert.deepEqual(playground.errors, []);
});
