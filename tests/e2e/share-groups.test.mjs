// End to end: a newcomer's share group (KIP-932). One partition, three share consumers: unlike
// a consumer group, where two of them would sit idle, all three get records. One crashes while
// it holds records; they stay acquired until group.share.record.lock.duration.ms (30 s) passes,
// then another member gets them with delivery count 2, and the share partition's SPSO reaches
// its SPEO once everything is acknowledged. Screenshots of the share section in both themes
// and at 480 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

/** Each share consumer card's name and the delivery counts of what it got. */
function deliveries(page) {
  return page.getByTestId('share-consumer').evaluateAll((all) => all.map((card) => [
    card.querySelector('header strong').textContent,
    [...card.querySelectorAll('[data-testid=share-delivery-count]')].map((td) => Number(td.textContent)),
  ]));
}

/**
 * The name of a consumer holding an acquired record that its card shows unacknowledged (ack
 * "-") in the same delivery, or null. Runs in the page.
 */
function unacknowledgedHolder() {
  for (const cell of document.querySelectorAll('[data-testid=share-record][data-state=acquired]')) {
    const [, offset, holder, count] = cell.getAttribute('aria-label')
      .match(/^offset (\d+): acquired by (\S+), lock \d+ s, delivery count (\d+)$/);
    const card = [...document.querySelectorAll('[data-testid=share-consumer]')]
      .find((c) => c.querySelector('header strong').textContent === holder);
    const rows = card ? [...card.querySelectorAll('[data-testid=share-delivery]')] : [];
    if (rows.some((row) => {
      const [, rowOffset, rowCount, ack] = [...row.cells].map((td) => td.textContent);
      return rowOffset === offset && rowCount === count && ack === '-';
    })) return holder;
  }
  return null;
}

test('a share group: more consumers than partitions all work, a crash\'s records come back after the lock', async () => {
  const playground = await suite.open(7, { width: 1400, height: 1000 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic(1);
  await playground.addProducer();

  // The form offers what applies to a share consumer, and nothing of a consumer group's; its
  // default group id is a share group's (a consumer group's id would be refused).
  assert.equal(await page.getByTestId('consumer-group').inputValue(), 'group-1');
  await page.getByTestId('consumer-group-type').selectOption('share');
  assert.equal(await page.getByTestId('consumer-group').inputValue(), 'share-group-1');
  assert.equal(await page.getByTestId('consumer-reset').count(), 0);
  assert.equal(await page.getByTestId('consumer-protocol').count(), 0);
  assert.equal(await page.getByTestId('share-app-acknowledge').count(), 0);
  await page.getByTestId('share-ack-mode').selectOption('explicit');
  assert.equal(await page.getByTestId('share-app-acknowledge').count(), 1);
  await page.getByTestId('share-ack-mode').selectOption('implicit');
  assert.match(await page.getByTestId('share-reset-note').textContent(), /kafka-configs\.sh --entity-type groups/);
  await page.getByTestId('consumer-group').fill('workers');
  await page.getByTestId('share-max-poll-records').fill('2');
  await page.getByTestId('consumer-processing').fill('1500');
  for (let i = 1; i <= 3; i += 1) {
    await page.getByTestId('consumer-add').click();
    await page.getByTestId('share-consumer').nth(i - 1).waitFor();
  }
  assert.equal(await page.getByTestId('consumer-error').count(), 0);
  // Every member joined (epoch > 0), each fetching from the one partition.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=share-consumer-state]')]
    .every((s) => /epoch [1-9]/.test(s.textContent)), null, { timeout: 30_000 });

  await page.getByTestId('send-10').click();
  // All three get work from one partition.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=share-consumer]')]
    .every((c) => c.querySelectorAll('[data-testid=share-delivery]').length > 0), null, { timeout: 30_000 });
  const window = await page.getByTestId('share-partition-window').textContent();
  assert.match(window, /SPSO \d+ · SPEO \d+/);
  assert.equal(await page.getByTestId('share-simplified').count(), 1);

  // Crash a consumer that holds records right now, paused so that it still holds them, and
  // holds one it has not acknowledged yet: an acknowledgement already on the wire when the
  // process dies still reaches the leader, and that record would not come back.
  let holder;
  for (let attempt = 0; !holder; attempt += 1) {
    assert.ok(attempt < 20, 'no consumer ever held a record it had not acknowledged');
    await page.locator('[data-testid=share-record][data-state=acquired]').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('play').click();
    // Paused, and two frames later the cards show the state it paused at.
    await page.locator('[data-testid=play][aria-pressed=false]').waitFor();
    await playground.twoFrames();
    holder = await page.evaluate(unacknowledgedHolder);
    if (!holder) {
      await page.getByTestId('play').click();
      await page.waitForTimeout(200);
    }
  }
  const card = page.getByTestId('share-consumer').filter({ has: page.locator('strong', { hasText: new RegExp(`^${holder}$`) }) });
  await card.getByTestId('share-consumer-crash').click();
  await card.getByTestId('share-consumer-restart').waitFor();
  // A dead process has no member epoch: the card says it is down, not "epoch 0".
  assert.match(await card.getByTestId('share-consumer-state').textContent(), /share group workers · process down/);
  const held = await page.locator(`[data-testid=share-record][data-state=acquired][aria-label*="by ${holder},"]`).count();
  assert.ok(held > 0, `${holder} held records when it crashed`);
  await playground.screenshotThemes('share-groups', page.getByTestId('share-partitions'));
  await page.getByTestId('play').click();

  // After the lock duration, the crashed member's records go to another with delivery count 2.
  await page.waitForFunction((holder) => [...document.querySelectorAll('[data-testid=share-consumer]')]
    .some((c) => c.querySelector('header strong').textContent !== holder
      && [...c.querySelectorAll('[data-testid=share-delivery-count]')].some((td) => td.textContent === '2')),
  holder, { timeout: 60_000 });
  const events = await playground.events();
  assert.ok(events.some((e) => /share group workers: orders-0 lock expired/.test(e)), events.join('\n'));
  const redelivered = (await deliveries(page)).filter(([name, counts]) => name !== holder && counts.includes(2));
  assert.ok(redelivered.length > 0, JSON.stringify(await deliveries(page)));

  // Nothing lost: every record is acknowledged, the SPSO reaches the SPEO (10 records).
  await page.waitForFunction(() => /SPSO 10 · SPEO 10/.test(document.querySelector('[data-testid=share-partition-window]').textContent),
    null, { timeout: 60_000 });
  console.log('screenshot:', await playground.screenshot('share-groups-done'));

  // Restarted, the crashed consumer joins the group again as a new member and gets an epoch.
  await card.getByTestId('share-consumer-restart').click();
  await page.waitForFunction((holder) => [...document.querySelectorAll('[data-testid=share-consumer]')]
    .some((c) => c.querySelector('header strong').textContent === holder
      && /share group workers · epoch [1-9]\d* · /.test(c.querySelector('[data-testid=share-consumer-state]').textContent)),
  holder, { timeout: 30_000 });
  assert.deepEqual(playground.errors, []);
});
