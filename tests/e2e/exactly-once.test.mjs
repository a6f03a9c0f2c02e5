// End to end: consume-transform-produce. An application reads orders and forwards every record
// to payments; it is crashed in the middle of a batch and restarted. Committing in a
// transaction (sendOffsetsToTransaction), a read_committed reader of payments sees each order
// once while the log keeps the aborted first attempt; committing after the sends
// (at-least-once) leaves duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();
const CONSUME = 'kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic payments --from-beginning';

/** Values the console consumer printed for one run of it (the transcript's last block). */
async function consoleValues(playground, isolation) {
  const { page } = playground;
  const before = (await page.getByTestId('console-output').textContent()).length;
  await playground.console(`${CONSUME} --isolation-level ${isolation}`);
  await page.waitForFunction((n) => document.querySelector('[data-testid=console-output]').textContent.length > n
    && /Processed a total of \d+ messages/.test(document.querySelector('[data-testid=console-output]').textContent.slice(n)), before);
  const output = (await page.getByTestId('console-output').textContent()).slice(before);
  return output.match(/order-\d+/g) ?? [];
}

async function forwardRun(suite, commits) {
  const playground = await suite.open(21, { width: 1400, height: 1500 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic();
  await page.getByTestId('topic-name').fill('payments');
  await page.getByTestId('topic-create').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=topic]').length === 2);

  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer').first().waitFor();
  for (let i = 1; i <= 12; i += 1) {
    await page.getByTestId('send-value').fill(`order-${i}`);
    await page.getByTestId('send').click();
  }
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=operation]')]
    .some((o) => o.textContent.includes('order-12 → orders: acknowledged')), null, { timeout: 20_000 });

  // The application: slow processing so the crash lands mid-batch.
  await page.getByTestId('consumer-group').fill('app');
  await page.getByTestId('consumer-topic').selectOption('orders');
  await page.getByTestId('consumer-commit').selectOption(commits);
  await page.getByTestId('consumer-isolation').selectOption('read_committed');
  await page.getByTestId('consumer-forward').selectOption('payments');
  await page.getByTestId('consumer-processing').fill('400');
  await page.getByTestId('consumer-add').click();
  // At 10x the batch took half a real second, and a loaded machine's click landed after it
  // was committed: at 1x the crash has seconds to land mid-batch.
  await playground.setSpeed('1×');
  const app = page.getByTestId('consumer').first();
  await app.getByTestId('consumer-forward-line').waitFor();
  // Some of the batch's output is in payments, the rest not processed yet: crash.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=operation], .consumer .operations li')]
    .filter((o) => /order-\d+ → payments: acknowledged/.test(o.textContent)).length >= 2, null, { timeout: 30_000 });
  await app.getByTestId('consumer-crash').click();
  await app.getByTestId('consumer-restart').click();
  // The rest (the crashed member's session timing out, the batch again) at full speed.
  await playground.setSpeed('100×');
  // Done when the group has committed past every order.
  await page.waitForFunction(() => {
    const lags = [...document.querySelectorAll('[data-testid=group]')]
      .filter((g) => g.textContent.includes('app'))
      .flatMap((g) => [...g.querySelectorAll('[data-testid=group-lag]')].map((c) => c.textContent));
    // '-': a partition with nothing committed (no records, so no offsets in a transaction).
    return lags.includes('0') && lags.every((l) => l === '0' || l === '-');
  }, null, { timeout: 90_000 });
  // The commit's markers reach each output partition a moment after the offsets' (each
  // partition's leader writes its own): a simulated second more before anything reads.
  const settled = (await playground.seconds()) + 1;
  await page.waitForFunction(
    (t) => Number(document.querySelector('[data-testid=clock]').dataset.micros) / 1e6 >= t, settled);
  // The records finished before the crash were processed again: the page says what that
  // means for effects outside Kafka.
  assert.match(await app.getByTestId('consumer-reprocessed').textContent(), /processed [1-9]\d* record\(s\) a second time/);
  return playground;
}

test('exactly-once: the crashed attempt is aborted and read_committed sees each order once', async () => {
  const playground = await forwardRun(suite, 'transactional');
  const committed = await consoleValues(playground, 'read_committed');
  assert.equal(committed.length, 12, committed.join(' '));
  assert.equal(new Set(committed).size, 12, committed.join(' '));
  const uncommitted = await consoleValues(playground, 'read_uncommitted');
  assert.ok(uncommitted.length > 12, `the aborted attempt is in the log: ${uncommitted.join(' ')}`);
  const { page } = playground;
  assert.ok(await page.locator('[data-testid=replica] .record.marker.abort').count() > 0, 'ABORT markers drawn');
  assert.match(await page.getByTestId('consumer-forward-line').first().textContent(), /exactly-once.*consumer-1-eos READY/);
  console.log('screenshot:', await playground.screenshot('exactly-once'));
  assert.deepEqual(playground.errors, []);
});

test('at-least-once: the crashed batch is forwarded twice', async () => {
  const playground = await forwardRun(suite, 'after-processing');
  const committed = await consoleValues(playground, 'read_committed');
  if (new Set(committed).size !== 12) {
    // Seen once in CI (order-3 missing) and never since: keep what is needed to find out why.
    const sends = await playground.page.locator('.consumer .operations li').allTextContents();
    console.log('the application\'s operations:', sends.join('\n'));
    console.log('run saved:', await playground.saveScenario('at-least-once-missing'));
  }
  assert.equal(new Set(committed).size, 12, committed.join(' '));
  assert.ok(committed.length > 12, `duplicates: ${committed.join(' ')}`);
  assert.deepEqual(playground.errors, []);
});
