// End to end: a reload keeps the user's cluster; the timeline rewinds it by replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('a reload restores the run, and the timeline rewinds it', async () => {
  const playground = await suite.open(5, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=broker-status]')]
    .every((b) => b.textContent === 'online'));
  await page.getByTestId('topic-create').click();
  await page.getByTestId('partition').first().waitFor();
  await playground.broker(1).getByRole('button', { name: 'Crash' }).click();
  await page.waitForTimeout(300);
  await playground.play();
  const before = await playground.seconds();

  await page.reload();
  await page.getByTestId('clock').waitFor();
  assert.equal(await page.getByTestId('topic').count(), 1, 'the topic survived the reload');
  assert.match(await page.getByTestId('topic').textContent(), /min\.insync\.replicas=2/, 'with its configs');
  assert.equal(await playground.brokerStatus(1), 'crashed', 'so did the crash');
  assert.ok(Math.abs((await playground.seconds()) - before) < 1.01, 'the clock is where it was');

  await page.getByTestId('timeline').fill('0');
  await page.getByTestId('timeline').dispatchEvent('change');
  assert.equal(await playground.clock(), 't = 0.000 s');
  assert.equal(await page.getByTestId('topic').count(), 0, 'before the topic was created');
  await page.getByTestId('timeline').fill(String(Math.round(before * 1000)));
  await page.getByTestId('timeline').dispatchEvent('change');
  assert.equal(await page.getByTestId('topic').count(), 1, 'replayed forward');
  assert.equal(await playground.brokerStatus(1), 'crashed');
  console.log('screenshot:', await playground.screenshot('restored-after-reload'));
  assert.deepEqual(playground.errors, []);
});
