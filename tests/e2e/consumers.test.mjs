// End to end: a consumer group reads a topic, its lag reaches zero, a second consumer joins and
// the partitions are split; crashing one hands its partitions to the other after the session
// timeout, and kafka-consumer-groups describes the group in the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite, settles } from './harness.mjs';

const suite = playgroundSuite();

test('consume with a group, rebalance on join and on a crash, describe the group', async () => {
  const playground = await suite.open(5, { width: 1400, height: 1400 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await page.getByTestId('topic-partitions').fill('2');
  await page.getByTestId('topic-create').click();
  await page.getByTestId('partition').first().waitFor();
  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer').first().waitFor();
  await page.getByTestId('send-headers').fill('trace:abc');
  await page.getByTestId('send-10').click();

  await page.getByTestId('consumer-add').click();
  await page.getByTestId('group').first().waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => {
    const lags = [...document.querySelectorAll('[data-testid=group-lag]')].map((c) => c.textContent);
    return lags.length === 2 && lags.every((l) => l === '0');
  }, null, { timeout: 30_000 });
  assert.equal(await page.getByTestId('consumed-record').count() > 0, true);
  assert.match(await page.getByTestId('consumed-record').first().textContent(), /trace:abc/);

  await page.getByTestId('consumer-add').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=consumer]')]
    .every((c) => c.querySelectorAll('[data-testid=owned-partition]').length === 1), null, { timeout: 30_000 });
  const stableBefore = (await playground.events()).filter((e) => e.includes('is Stable at generation')).length;
  assert.ok(stableBefore >= 2);

  await page.getByTestId('consumer').first().getByTestId('consumer-crash').click();
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('[data-testid=consumer]')];
    return cards[1].querySelectorAll('[data-testid=owned-partition]').length === 2;
  }, null, { timeout: 60_000 });
  const events = await playground.events();
  assert.ok(events.some((e) => /member consumer-1-\S+ removed \(no heartbeat for/.test(e)), events.join('\n'));

  await playground.console('kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group group-1');
  const output = await page.getByTestId('console-output').textContent();
  assert.match(output, /GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID/);
  assert.match(output, /group-1\s+orders\s+0\s+\d+\s+\d+\s+\d+\s+consumer-2-/);
  const charts = await page.getByTestId('chart').allTextContents();
  assert.ok(charts.some((c) => c.startsWith('records acknowledged')), charts.join('\n'));
  assert.ok(charts.some((c) => c.startsWith('lag of group group-1')), charts.join('\n'));
  // A steady stream: the producer row says so and the throughput chart rises. Stop stream
  // waits for one to stop.
  assert.ok(await page.getByTestId('stream-stop').isDisabled(), 'no stream yet: nothing to stop');
  await page.getByTestId('stream-rate').fill('20');
  await page.getByTestId('stream-start').click();
  await settles(() => page.getByTestId('producer-stream').first().textContent(), '20/s → orders');
  assert.ok(await page.getByTestId('stream-stop').isEnabled());
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=chart]')]
    .some((c) => /^records acknowledged now [1-9]/.test(c.textContent)), null, { timeout: 20_000 });
  console.log('screenshot:', await playground.screenshot('consumer-group'));
  await page.getByTestId('stream-stop').click();
  await settles(() => page.getByTestId('producer-stream').first().textContent(), '-');
  assert.deepEqual(playground.errors, []);
});

test("a group's first rebalance: its lag is unknown, not 0, before anything is assigned or committed", async () => {
  const playground = await suite.open(5, { width: 1280, height: 900 });
  const { page } = playground;
  await page.getByTestId('topic-create').click();
  await page.getByTestId('partition').first().waitFor();
  await page.getByTestId('consumer-add').click();
  // At 1×, group.initial.rebalance.delay.ms holds the first join for 3 s: the group shows
  // PreparingRebalance with no row long enough to read.
  await playground.play();
  const group = page.getByTestId('group').first();
  await group.waitFor({ timeout: 20_000 });
  await playground.play();
  assert.equal(await group.getByTestId('group-state').textContent(), 'PreparingRebalance');
  assert.equal(await group.getByTestId('group-lag').count(), 0, 'no row yet');
  assert.match(await group.locator('h3').textContent(), /lag unknown: no partition assigned or committed yet/);
  assert.deepEqual(playground.errors, []);
});
