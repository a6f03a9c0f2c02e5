// End to end: deleting a topic from its table, as `kafka-topics --delete` does. The page asks
// first (the records go with the topic); once deleted, the group gives the partitions up and
// the producer's sends wait for a topic its metadata no longer has, then fail after
// max.block.ms; its row still stops the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite, settles } from './harness.mjs';

const suite = playgroundSuite();

test('Delete topic asks first, then the controller deletes it under its producer and group', async () => {
  const playground = await suite.open(21, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.createTopic();
  await playground.addProducer();
  await page.getByTestId('stream-start').click();
  await page.getByTestId('consumer-add').click();
  await playground.setSpeed('10×');
  await playground.play();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=event]')]
    .some((e) => /group \S+ is Stable at generation 1/.test(e.textContent)), null, { timeout: 30_000 });
  await playground.play();

  const topic = page.locator('[data-testid=topic][data-topic=orders]');
  await topic.getByTestId('topic-delete').click();
  // Asked, not done: Keep leaves the topic as it was.
  assert.equal(await topic.getByRole('group').getAttribute('aria-label'), 'Delete topic orders?');
  await playground.screenshotThemes('topic-delete', topic);
  await topic.getByTestId('topic-keep').click();
  assert.equal(await topic.getByTestId('topic-delete-confirm').count(), 0);
  assert.equal(await page.getByTestId('topic').count(), 1);

  // From the keyboard: the question takes the focus to Keep, the safe answer; Tab reaches Delete.
  await topic.getByTestId('topic-delete').focus();
  await page.keyboard.press('Enter');
  const focused = () => page.evaluate(() => document.activeElement?.dataset.testid);
  assert.equal(await focused(), 'topic-keep');
  await page.keyboard.press('Enter');
  assert.equal(await focused(), 'topic-delete', 'Keep gives the focus back');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'topic-delete-confirm');
  await page.keyboard.press('Enter');
  await page.getByTestId('topic').first().waitFor({ state: 'detached' });
  await playground.play();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=event]')]
    .some((e) => /group \S+ is Stable at generation 2 .*\[\]/.test(e.textContent)), null, { timeout: 30_000 });
  await playground.play();
  const events = await playground.events();
  assert.ok(events.some((e) => e.includes('topic orders deleted')), events.join('\n'));
  assert.ok(events.some((e) => /owns \[\]; revoked \[orders-0/.test(e)), 'the group gave the partitions up');
  // The stream goes on sending to a topic the producer's metadata no longer has: each send
  // waits max.block.ms (no auto-creation here), then fails as Java's does. The form went with
  // the last topic; the producer's row still stops its stream.
  assert.equal(await page.getByTestId('producer-stream').first().textContent(), '10/s → orders');
  await page.getByTestId('producer-stream-stop').click();
  await settles(() => page.getByTestId('producer-stream').first().textContent(), '-');
  await playground.setSpeed('100×');
  await playground.play();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=operation]')]
    .some((o) => o.textContent.includes('TimeoutException: Topic orders not present in metadata after 60000 ms.')), null, { timeout: 60_000 });
  await playground.play();
  // Deleting it again is Kafka's refusal, from the console.
  await playground.console('kafka-topics.sh --bootstrap-server localhost:9092 --delete --topic orders');
  assert.match(await page.getByTestId('console-output').textContent(), /Topic 'orders' does not exist as expected/);
  assert.deepEqual(playground.errors, []);
});
