// End to end: the faults on a broker card and a topic. A slow follower drops out of the ISRs
// (replica.lag.time.max.ms) while records stream in; a controlled shutdown moves leadership away before the broker
// stops; after it restarts, the preferred leader election hands the leaderships back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

const leadersArePreferred = () => [...document.querySelectorAll('[data-testid=partition]')].every((row) => {
  const cells = row.querySelectorAll('td');
  return cells[1].textContent === cells[3].textContent.split(',')[0];
});

test('slow a follower, shut a broker down gracefully, elect preferred leaders', async () => {
  const playground = await suite.open(13, { width: 1400, height: 1300 });
  const { page } = playground;
  await playground.setSpeed('100×');
  await playground.play();
  await playground.createTopic();

  // A follower only falls behind when there is something to fetch.
  await page.getByTestId('producer-add').click();
  await page.getByTestId('stream-start').click();
  await playground.broker(2).getByTestId('slow-follower').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=event]')]
    .some((e) => /ISR of orders-\d changed \[[\d,]*2[\d,]*\] -> \[(?![\d,]*2)[\d,]*\]/.test(e.textContent)),
  null, { timeout: 30_000 });
  assert.equal(await playground.broker(2).getByTestId('slow-follower').textContent(), 'Speed up follower');
  await playground.broker(2).getByTestId('slow-follower').click();

  await playground.broker(1).getByTestId('shutdown').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=broker][data-broker-id="1"] [data-testid=broker-status]')
    .textContent === 'crashed', null, { timeout: 30_000 });
  const events = await playground.events();
  assert.ok(events.some((e) => e.includes('broker 1 began controlled shutdown')), events.join('\n'));
  assert.ok(!(await page.evaluate(leadersArePreferred)), 'broker 1 leads nothing now');

  await playground.broker(1).getByRole('button', { name: 'Restart' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=broker][data-broker-id="1"] [data-testid=broker-status]')
    .textContent === 'online', null, { timeout: 30_000 });
  // Once broker 1 is back in the ISRs, a preferred election gives it its leaderships back.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=partition]')]
    .every((row) => row.querySelectorAll('td')[4].textContent.split(',').length === 3), null, { timeout: 60_000 });
  await playground.play();
  await page.getByTestId('preferred-election').first().click();
  await playground.play();
  await page.waitForFunction(leadersArePreferred, null, { timeout: 30_000 });
  console.log('screenshot:', await playground.screenshot('faults'));
  assert.deepEqual(playground.errors, []);
});
