// End to end: create a topic through the form (and see Kafka's error for a bad one), produce
// with acks=all, crash the leader of partition 0 and watch the controller elect a new one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launch, PlaygroundPage } from './harness.mjs';

let served;
let browser;

before(async () => {
  served = await serveDist();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  served?.server.close();
});

test('create a topic, produce, crash the leader, see the election', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const playground = new PlaygroundPage(page);
  await playground.open(served.url, 3);
  await playground.setSpeed('10×');
  await playground.play();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=broker-status]')]
    .every((b) => b.textContent === 'online'));

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

  for (let i = 0; i < 4; i++) {
    await page.getByTestId('produce-send').click();
  }
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=operation]')]
    .filter((o) => o.textContent.includes('acknowledged at partition 0')).length === 4);
  const leaderCell = page.locator('[data-testid=partition][data-partition="0"] [data-testid=partition-leader]');
  const oldLeader = await leaderCell.textContent();
  await page.waitForFunction((leader) => document.querySelectorAll(
    `[data-testid=partition][data-partition="0"] [data-testid=replica] .record`).length === 12, oldLeader);

  await playground.broker(oldLeader).getByRole('button', { name: 'Crash' }).click();
  await page.waitForFunction(
    (old) => {
      const cell = document.querySelector('[data-testid=partition][data-partition="0"] [data-testid=partition-leader]');
      return cell && cell.textContent !== old && cell.textContent !== 'none';
    },
    oldLeader,
    { timeout: 15_000 },
  );
  const events = await playground.events();
  assert.ok(events.some((e) => e.includes(`was ${oldLeader}: was fenced`)), events.join('\n'));
  assert.doesNotMatch(await page.locator('[data-testid=partition][data-partition="0"] [data-testid=partition-isr]').textContent(), new RegExp(oldLeader));
  console.log('screenshot:', await playground.screenshot('leader-crashed'));
  assert.deepEqual(playground.errors, []);
});
