// End to end: create a topic through the form (and see Kafka's error for a bad one), produce
// with acks=all, crash the leader of partition 0 and watch the controller elect a new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('create a topic, add a producer, send a batch, crash the leader, see the election', async () => {
  const playground = await suite.open(3, { width: 1400, height: 1000 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.brokersOnline();

  await page.getByTestId('topic-rf').fill('4');
  await page.getByTestId('topic-create').click();
  assert.match(
    await page.getByTestId('topic-error').textContent(),
    /^INVALID_REPLICATION_FACTOR: Unable to replicate the partition 4 time\(s\): The target replication factor of 4 cannot be reached because only 3 broker\(s\) are registered\.$/,
  );
  await page.getByTestId('topic-rf').fill('3');
  await page.getByTestId('topic-create').click();
  await page.getByTestId('partition').first().waitFor();
  assert.equal(await page.getByTestId('partition').count(), 3);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=replica]').length === 9);

  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer').first().waitFor();
  await page.getByTestId('send-10').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=operation]')]
    .filter((o) => o.textContent.includes('acknowledged: partition')).length === 10);
  // Keyless records follow the sticky partitioner: all ten share one partition and one batch.
  const acks = await page.getByTestId('operation').allTextContents();
  const partition = acks[0].match(/acknowledged: partition (\d+), offset \d+/)[1];
  assert.ok(acks.every((a) => a.includes(`acknowledged: partition ${partition},`)), acks.join('\n'));
  const row = `[data-testid=partition][data-partition="${partition}"]`;
  // Every replica has the ten; a reader opens the log to see all of them drawn.
  await page.waitForFunction((selector) => [...document.querySelectorAll(`${selector} [data-testid=replica]`)]
    .every((r) => r.getAttribute('aria-label').includes('log end offset 10,')), row);
  const earlier = page.locator(`${row} [data-testid=earlier-records]`);
  if (await earlier.count()) await earlier.click();
  await page.waitForFunction((selector) => document.querySelectorAll(`${selector} [data-testid=replica] .record`).length === 30, row);
  assert.match(await page.getByTestId('topic-stats').textContent(), /^ · 10 message\(s\) · \d+ B · 0 under-replicated$/);
  const leaderCell = page.locator(`${row} [data-testid=partition-leader]`);
  const oldLeader = await leaderCell.textContent();
  await playground.broker(oldLeader).getByRole('button', { name: 'Crash' }).click();
  await page.waitForFunction(
    ([selector, old]) => {
      const cell = document.querySelector(`${selector} [data-testid=partition-leader]`);
      return cell && cell.textContent !== old && cell.textContent !== 'none';
    },
    [row, oldLeader],
    { timeout: 15_000 },
  );
  const events = await playground.events();
  assert.ok(events.some((e) => e.includes(`was ${oldLeader}: was fenced`)), events.join('\n'));
  assert.doesNotMatch(await page.locator(`${row} [data-testid=partition-isr]`).textContent(), new RegExp(oldLeader));
  // Why? The election goes back to the fencing, and the fencing to the crash.
  const election = page.getByTestId('event').filter({ hasText: `was ${oldLeader}: was fenced` }).first();
  await election.getByTestId('why').click();
  const causes = await election.getByTestId('cause').allTextContents();
  assert.match(causes[0], new RegExp(`broker ${oldLeader} fenced by the controller`), causes.join('\n'));
  assert.match(causes[1], new RegExp(`broker ${oldLeader} crashed`), causes.join('\n'));
  console.log('screenshot:', await playground.screenshot('leader-crashed'));
  // Filter the log, then click an event's time: the run rewinds to that moment.
  await page.getByTestId('event-filter').fill('crashed');
  const crashed = await playground.events();
  assert.ok(crashed.length >= 1 && crashed.every((e) => e.includes('crashed')), crashed.join('\n'));
  await playground.play(); // pause
  const crashTime = await page.getByTestId('event-time').first().textContent();
  await page.getByTestId('event-time').first().click();
  assert.equal(await playground.clock(), `t = ${crashTime}`);
  assert.deepEqual(playground.errors, []);
});

test('batches form in the accumulator until linger.ms or batch.size, then go out in requests', async () => {
  const playground = await suite.open(5, { width: 1400, height: 1000 });
  const { page } = playground;
  await playground.setSpeed('1×');
  await playground.play();
  await playground.createTopic();
  await page.getByTestId('producer-linger').fill('3000');
  await page.getByTestId('producer-batch-size').fill('300');
  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer').first().waitFor();
  await page.getByTestId('send-10').click();
  // Ten records of 16 bytes share one batch (a 61-byte header plus 160 of the 300 bytes of
  // batch.size), which waits out linger.ms before the sender takes it.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=batch]')]
    .some((b) => b.title.includes(': 10 record(s)')));
  await page.getByTestId('play').click();
  const batch = page.getByTestId('batch');
  assert.equal(await batch.count(), 1);
  assert.match(await batch.getAttribute('class'), /accumulating/);
  assert.match(await batch.getAttribute('title'), /ms old \(linger\.ms 3000\)$/);
  assert.match(await page.getByTestId('producer').first().textContent(), /acks=all\s*idempotent\s*linger\.ms=3000\s*1 batch\(es\), 10 record\(s\)/);
  console.log('screenshot:', await playground.screenshot('accumulator'));
  // The producers' table fits the side column, on a laptop and on a phone.
  const table = page.locator('table.producers');
  for (const width of [1280, 480]) {
    await page.setViewportSize({ width, height: 900 });
    assert.ok(await table.evaluate((t) => t.scrollWidth <= t.parentElement.clientWidth), `the producers' table fits at ${width} px`);
  }
  await page.getByTestId('play').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=operation]')]
    .filter((o) => o.textContent.includes('acknowledged: partition')).length === 10, null, { timeout: 20_000 });
  assert.equal(await page.getByTestId('batch').count(), 0, 'every batch answered');
  assert.deepEqual(playground.errors, []);
});
