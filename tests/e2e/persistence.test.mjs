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
  await playground.createTopic();
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

test('a long jump replays in slices behind a progress bar and lands where the run was', async () => {
  const playground = await suite.open(9, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('100×');
  await playground.play();
  await playground.createTopic();
  await page.getByTestId('producer-add').click();
  await page.getByTestId('stream-rate').fill('50');
  await page.getByTestId('stream-start').click();
  await page.getByTestId('consumer-add').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=clock]').textContent
    .match(/t = ([\d.]+) s/)[1]) > 120, null, { timeout: 60_000 });
  await playground.play();
  const end = await playground.seconds();
  const messages = await page.getByTestId('topic').textContent();

  // Back ten seconds: the run is replayed from time zero to there.
  const target = Math.round((end - 10) * 1000);
  // One change event, as a drag ends with (the slider then follows the replay's clock).
  await page.getByTestId('timeline').evaluate((slider, value) => {
    slider.value = value;
    slider.dispatchEvent(new Event('change', { bubbles: true }));
  }, String(target));
  const sliced = await page.getByTestId('seek-progress').count() > 0;
  if (sliced) console.log('screenshot:', await playground.screenshot('seek-progress'));
  console.log(`the replay to ${target / 1000} s ${sliced ? 'showed a progress bar' : 'finished within one slice budget'}`);
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'), null, { timeout: 60_000 });
  await page.waitForFunction((ms) => Math.abs(Number(document.querySelector('[data-testid=clock]').textContent
    .match(/t = ([\d.]+) s/)[1]) * 1000 - ms) < 10, target, { timeout: 10_000 });
  assert.notEqual(await page.getByTestId('topic').textContent(), messages, 'with fewer messages than at the end');
  assert.deepEqual(playground.errors, []);
});
