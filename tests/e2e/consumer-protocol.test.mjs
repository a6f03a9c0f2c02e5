// End to end: a group of KIP-848's consumer protocol (group.protocol=consumer), built through the
// consumer form. The coordinator assigns: the group header shows its group epoch, one bump per
// join, every partition has one owner, and a crashed member's partitions go to the others after
// the broker's group.consumer.session.timeout.ms while the survivors keep what they had (no
// revocation, unlike the classic protocol's eager rebalance). The form leaves the broker-side
// timeouts out under this protocol. Screenshots of the panel in both themes and at 480 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

/** Owners per partition, as the group table's rows show them. */
function owners(page) {
  return page.getByTestId('group-row').evaluateAll((rows) => rows.map((row) => {
    const cells = [...row.querySelectorAll('td')].map((td) => td.textContent);
    return [cells[0], cells[4]];
  }));
}

/** The event log's lines (newest first), without their time and "why?" button. */
function eventTexts(page) {
  return page.locator('[data-testid=event] > span').allTextContents();
}

/** Each consumer card's name and the partitions it owns. */
function cards(page) {
  return page.getByTestId('consumer').evaluateAll((all) => all.map((card) => [
    card.querySelector('header strong').textContent,
    [...card.querySelectorAll('[data-testid=owned-partition] td:first-child')].map((td) => td.textContent.trim()),
  ]));
}

test('a consumer-protocol group: epochs, one owner per partition, a crash moves only the dead member\'s partitions', async () => {
  const playground = await suite.open(19, { width: 1400, height: 1000 });
  const { page } = playground;
  await playground.setSpeed('100×');
  await playground.play();
  await playground.createTopic(6);
  await playground.addProducer();
  await page.getByTestId('stream-rate').fill('10');
  await page.getByTestId('stream-start').click();

  // The classic protocol's client-side timeouts are broker settings under KIP-848: the form
  // stops offering them.
  assert.equal(await page.getByTestId('consumer-session-timeout-ms').count(), 1);
  await page.getByTestId('consumer-protocol').selectOption('consumer');
  assert.equal(await page.getByTestId('consumer-session-timeout-ms').count(), 0);
  assert.equal(await page.getByTestId('consumer-heartbeat-interval-ms').count(), 0);
  assert.equal(await page.getByTestId('consumer-max-poll-interval-ms').count(), 1);

  const joins = 3;
  for (let i = 1; i <= joins; i += 1) {
    await page.getByTestId('consumer-add').click();
    await page.getByTestId('consumer').nth(i - 1).waitFor();
  }
  assert.equal(await page.getByTestId('consumer-error').count(), 0);
  const group = page.getByTestId('group');
  // Stable once every member reached the target of the last epoch, each partition owned.
  await page.waitForFunction((joins) => {
    const state = document.querySelector('[data-testid=group-state]')?.textContent;
    const rows = [...document.querySelectorAll('[data-testid=group-row]')];
    const header = document.querySelector('[data-testid=group] h3')?.textContent ?? '';
    return state === 'Stable' && rows.length === 6 && header.includes(`group epoch ${joins} ·`)
      && rows.every((r) => r.querySelectorAll('td')[4].textContent !== '-');
  }, joins, { timeout: 20_000 });
  const header = await group.locator('h3').textContent();
  assert.match(header, new RegExp(`consumer protocol · group epoch ${joins} ·`), header);
  assert.doesNotMatch(header, /target epoch/, header);
  assert.match(header, /uniform/, header);
  assert.match(header, /3 member\(s\)/, header);
  const before = await owners(page);
  const names = before.map(([, owner]) => owner);
  assert.deepEqual([...new Set(names)].sort(), ['consumer-1', 'consumer-2', 'consumer-3'], JSON.stringify(before));
  for (const name of new Set(names)) {
    assert.equal(names.filter((n) => n === name).length, 2, `uniform gives each of three two partitions: ${JSON.stringify(before)}`);
  }
  const metas = await page.getByTestId('consumer').locator('header .meta').allTextContents();
  for (const meta of metas) assert.match(meta, /group-1 · member · epoch \d+/, meta);
  // The cards agree with the table: every card owns exactly what the table says it owns.
  for (const [name, tps] of await cards(page)) {
    assert.deepEqual(tps.sort(), before.filter(([, o]) => o === name).map(([tp]) => tp).sort(), name);
  }
  await playground.screenshotThemes('consumer-protocol-group', page.getByTestId('consumer-panel'));

  // Crash consumer-1 and watch the survivors every frame: they never lose a partition.
  const survivors = ['consumer-2', 'consumer-3'];
  const kept = Object.fromEntries((await cards(page)).filter(([n]) => survivors.includes(n)));
  await page.evaluate((kept) => {
    window.lostByASurvivor = [];
    const look = () => {
      for (const card of document.querySelectorAll('[data-testid=consumer]')) {
        const name = card.querySelector('header strong').textContent;
        if (!kept[name]) continue;
        const owns = [...card.querySelectorAll('[data-testid=owned-partition] td:first-child')].map((td) => td.textContent.trim());
        for (const tp of kept[name]) {
          if (!owns.includes(tp)) window.lostByASurvivor.push(`${name} ${tp}`);
        }
      }
      window.watching = requestAnimationFrame(look);
    };
    look();
  }, kept);
  const crashedAt = await playground.seconds();
  await page.getByTestId('consumer').first().getByTestId('consumer-crash').click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid=group-row]')];
    return document.querySelector('[data-testid=group-state]')?.textContent === 'Stable'
      && rows.length === 6 && rows.every((r) => /^consumer-[23]$/.test(r.querySelectorAll('td')[4].textContent));
  }, null, { timeout: 20_000 });
  // The session runs from the last heartbeat, at most group.consumer.heartbeat.interval.ms (5 s)
  // before the crash; the event log below says how long the member was silent.
  assert.ok(await playground.seconds() - crashedAt >= 40, 'not before group.consumer.session.timeout.ms');
  await page.evaluate(() => cancelAnimationFrame(window.watching));
  assert.deepEqual(await page.evaluate(() => window.lostByASurvivor), []);
  const after = await owners(page);
  for (const [tp, owner] of before) {
    const now = after.find(([t]) => t === tp)[1];
    if (owner !== 'consumer-1') assert.equal(now, owner, `${tp} stayed with ${owner}`);
  }
  assert.match(await group.locator('h3').textContent(), new RegExp(`group epoch ${joins + 1} ·.*2 member\\(s\\)`));

  // The event log says why, and shows no revocation asked of a survivor.
  await page.getByTestId('event-filter').fill('group-1');
  const events = await eventTexts(page);
  const expired = events.map((e) => e.match(/group group-1: member \S+ \(consumer-\d+\) removed \(the member session expired: no heartbeat for (\d+) ms \(group\.consumer\.session\.timeout\.ms=(\d+)\)\)/))
    .filter(Boolean);
  assert.equal(expired.length, 1, events.join('\n'));
  assert.ok(Number(expired[0][1]) >= Number(expired[0][2]), expired[0][0]);
  assert.ok(events.some((e) => new RegExp(`group group-1 bumped its group epoch to ${joins + 1}`).test(e)), events.join('\n'));
  const sinceFence = events.slice(0, events.findIndex((e) => e.includes(`bumped its group epoch to ${joins + 1}`)));
  for (const line of sinceFence) {
    assert.doesNotMatch(line, /must revoke|UNREVOKED_PARTITIONS/, line);
    if (/^consumer consumer-[23] /.test(line)) assert.match(line, /revoked \[\]$/, line);
  }
  assert.ok(sinceFence.some((e) => /^consumer consumer-[23] .*owns .*revoked \[\]$/.test(e)), sinceFence.join('\n'));
  await page.getByTestId('event-filter').fill('');
  assert.deepEqual(playground.errors, []);
});

test('lesson consumer-protocol walks in the page: a join reconciles, a crash moves one member\'s partitions, A/B against classic', async () => {
  const playground = await suite.open(16, { width: 1400, height: 1000 });
  const { page } = playground;
  const panel = await playground.startLesson('consumer-protocol');
  const progress = panel.getByTestId('lesson-progress');
  const next = panel.getByTestId('lesson-next');
  const nextEnabled = () => page.waitForFunction(
    () => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 30_000 });
  const header = () => page.getByTestId('group').locator('h3').textContent();

  // Step 1, read only: the group the scenario built, three joins and three epochs.
  assert.equal(await progress.textContent(), 'step 1 of 4');
  assert.match(await panel.getByTestId('lesson-text').textContent(), /no member is the leader/);
  assert.match(await header(), /^group billing Stable consumer protocol · group epoch 3 · uniform · .* 3 member\(s\)/);
  const metas = await page.getByTestId('consumer').locator('header .meta').allTextContents();
  assert.equal(metas.length, 3);
  for (const meta of metas) {
    assert.match(meta, /billing · member · epoch 3 ·/, meta);
    assert.doesNotMatch(meta, /group leader/, meta);
  }
  // What the text points at in the event log: epochs and the coordinator's targets, and no
  // classic generation ever completed.
  const opened = await eventTexts(page);
  assert.ok(opened.some((e) => e.includes('group billing bumped its group epoch to 3')), opened.join('\n'));
  assert.ok(opened.some((e) => e.includes('group billing target assignment for epoch 3 (assignor uniform)')), opened.join('\n'));
  assert.ok(!opened.some((e) => /is Stable at generation|is rebalancing/.test(e)), opened.join('\n'));
  await playground.setSpeed('100×');
  await playground.play();
  await next.click();

  // Step 2: c4 joins; the step is not done before the reader acts.
  await page.waitForFunction(() => document.querySelector('[data-testid=lesson-progress]')?.textContent === 'step 2 of 4');
  assert.match(await panel.getByTestId('lesson-status').textContent(), /waiting for: group billing is Stable with 4 members/);
  await panel.getByTestId('lesson-show-me').click();
  await nextEnabled();
  assert.match(await panel.getByTestId('lesson-status').textContent(), /^✓ done: group billing is Stable with 4 members/);
  assert.match(await header(), /group epoch 4 · .* 4 member\(s\)/);
  await page.getByTestId('event-filter').fill('billing');
  const joined = await eventTexts(page);
  assert.ok(joined.some((e) => /member \S+ \(c4\) epoch 0 -> 4 UNRELEASED_PARTITIONS, owns \[\]/.test(e)), joined.join('\n'));
  assert.ok(joined.some((e) => /member \S+ \(c\d\) epoch \d+ -> \d+ UNREVOKED_PARTITIONS, owns .*, must revoke \[orders-\d\] first/.test(e)), joined.join('\n'));
  await page.getByTestId('event-filter').fill('');
  await next.click();

  // Step 3: crash c1; done only after the coordinator fenced it.
  await page.waitForFunction(() => document.querySelector('[data-testid=lesson-progress]')?.textContent === 'step 3 of 4');
  const before = await owners(page);
  await panel.getByTestId('lesson-show-me').click();
  await nextEnabled();
  const after = await owners(page);
  for (const [tp, owner] of before) {
    const now = after.find(([t]) => t === tp)[1];
    if (owner !== 'c1') assert.equal(now, owner, `${tp} stayed with ${owner}`);
    else assert.match(now, /^c[234]$/, `${tp} went to a live member`);
  }
  await next.click();

  // Step 4: the A/B panel replays the run under the classic protocol.
  await page.waitForFunction(() => document.querySelector('[data-testid=lesson-progress]')?.textContent === 'step 4 of 4');
  assert.match(await panel.getByTestId('lesson-text').textContent(), /classic vs consumer group protocol \(KIP-848\)/);
  await page.getByTestId('ab-preset').selectOption({ label: 'classic vs consumer group protocol (KIP-848)' });
  await page.getByTestId('ab-compare').click();
  const difference = await page.getByTestId('ab-difference').textContent();
  const backs = [...difference.matchAll(/(group\.protocol=\w+): (\d+) partition\(s\) given up and given back/g)]
    .map((m) => [m[1], Number(m[2])]);
  assert.equal(backs.length, 2, difference);
  assert.ok(backs[0][0] === 'group.protocol=classic' && backs[0][1] > 0, difference);
  assert.deepEqual(backs[1], ['group.protocol=consumer', 0], difference);
  console.log('screenshot:', await playground.screenshot('lesson-consumer-protocol-ab', { fullPage: false }));
  // The comparison itself, below the lesson's panel: each side's label must stay inside.
  const ab = page.getByTestId('ab-panel');
  await ab.evaluate((element) => element.scrollIntoView({ block: 'end' }));
  await ab.screenshot({ path: 'screenshots/ab-consumer-protocol.png' });
  const overflows = await ab.evaluate((element) => element.scrollWidth > element.clientWidth + 1);
  assert.equal(overflows, false, 'the A/B table stays inside its panel');
  await next.click();
  await panel.waitFor({ state: 'detached' });
  assert.deepEqual(playground.errors, []);
});
