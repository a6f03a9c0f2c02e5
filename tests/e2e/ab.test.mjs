// End to end: A/B replays the user's own run under acks=1 and acks=all. The leader is cut off
// from everyone, ten records are sent, the controller moves leadership: with acks=1 the ten
// were acknowledged and are gone; with acks=all none of them is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('A/B shows acks=1 losing what acks=all keeps, on the same run', async () => {
  const playground = await suite.open(21, { width: 1400, height: 1300 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic(1);
  await playground.addProducer();
  const leader = await page.locator('[data-testid=partition-leader]').first().textContent();
  await playground.broker(leader).getByRole('button', { name: 'Isolate' }).click();
  await page.getByTestId('send-10').click();
  await page.waitForFunction((old) => {
    const cell = document.querySelector('[data-testid=partition-leader]');
    return cell && cell.textContent !== old && cell.textContent !== 'none';
  }, leader, { timeout: 30_000 });
  await playground.play(); // pause
  await page.getByTestId('ab-compare').click();
  const difference = await page.getByTestId('ab-difference').textContent();
  assert.match(difference, /^acks=1: 10 of 10 sends acknowledged, 10 lost after acknowledgement/, difference);
  assert.match(difference, /acks=all: \d+ of 10 sends acknowledged, none lost after acknowledgement/, difference);
  console.log('screenshot:', await playground.screenshot('ab'));
  assert.deepEqual(playground.errors, []);
});
