// End to end: Pause freezes a whole process. A paused broker is fenced by the controller
// (broker.session.timeout.ms) and its card says "paused"; resumed, it is online again. A paused
// consumer's card is marked paused and its heartbeats stop, so the group removes it and the other
// member takes its partition; resumed, it rejoins. Screenshots of both cards in both themes and at
// 480 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('pause and resume a broker and a consumer', async () => {
  const playground = await suite.open(9, { width: 1400, height: 1400 });
  const { page } = playground;
  await playground.setSpeed('100×');
  await playground.play();
  await page.getByTestId('topic-partitions').fill('2');
  await playground.createTopic();
  await page.getByTestId('consumer-add').click();
  await page.getByTestId('consumer-add').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=consumer]')]
    .every((c) => c.querySelectorAll('[data-testid=owned-partition]').length === 1)
    && document.querySelectorAll('[data-testid=consumer]').length === 2, null, { timeout: 60_000 });

  // The broker: fenced while frozen, still marked paused (not merely fenced).
  await playground.broker(3).getByTestId('pause-process').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=event]')]
    .some((e) => e.textContent.includes('broker 3 fenced by the controller')), null, { timeout: 60_000 });
  assert.equal(await playground.brokerStatus(3), 'paused');

  // The consumer: frozen past session.timeout.ms, the other member takes over.
  const first = page.getByTestId('consumer').first();
  await first.getByTestId('pause-process').click();
  await first.getByTestId('paused').waitFor();
  await page.waitForFunction(() => {
    const [zombie, other] = document.querySelectorAll('[data-testid=consumer]');
    return other.querySelectorAll('[data-testid=owned-partition]').length === 2
      && zombie.querySelector('[data-testid=paused]');
  }, null, { timeout: 120_000 });
  await playground.play();
  const cluster = page.getByTestId('broker').first().locator('xpath=..');
  await cluster.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('pause-broker');
  await first.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('pause-consumer');
  await playground.play();

  await playground.broker(3).getByTestId('resume-process').click();
  await first.getByTestId('resume-process').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=broker][data-broker-id="3"] [data-testid=broker-status]')
    .textContent === 'online', null, { timeout: 60_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=consumer]')]
    .every((c) => c.querySelectorAll('[data-testid=owned-partition]').length === 1
      && !c.querySelector('[data-testid=paused]')), null, { timeout: 120_000 });
  const events = await playground.events();
  assert.ok(events.some((e) => e.includes('broker 3 resumed with its stale state')), events.join('\n'));
  assert.deepEqual(playground.errors, []);
});
