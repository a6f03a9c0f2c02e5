// End to end: the checker's findings marked where the user looks (issue #16). A scenario file
// with a duplicate, one with a reorder and one with a read then aborted are imported; the
// partition's log marks the records, says what the checker found under the logs, and "why?"
// opens the cause chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();
const root = new URL('../../', import.meta.url);

async function imported(file, name) {
  const playground = await suite.open(1, { width: 1280, height: 1000 });
  const { page } = playground;
  await page.getByTestId('files').click();
  await page.getByTestId('import-file').setInputFiles({
    name, mimeType: 'application/json', buffer: readFileSync(new URL(file, root)),
  });
  await page.waitForURL(/\?seed=\d+$/);
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'));
  return playground;
}

test('both copies of a retried send are marked duplicate, and why? leads to the lost answer', async () => {
  const playground = await imported('docs/examples/duplicate-without-idempotence.json', 'duplicate.json');
  const { page } = playground;
  const topic = page.locator('[data-testid=topic][data-topic=payments]');
  const leaderRow = topic.locator('[data-testid=replica][data-broker="1"]');
  await leaderRow.locator('[data-testid=record-mark][data-kind=duplicate]').first().waitFor();
  assert.equal(await leaderRow.locator('[data-testid=record-mark][data-kind=duplicate]').count(), 2, 'both copies in the leader\'s log');
  const findings = topic.getByTestId('partition-findings');
  const duplicate = findings.locator('li', { has: page.locator('[data-testid=finding-mark][data-kind=duplicate]') });
  assert.equal(await duplicate.count(), 2);
  assert.match(await duplicate.first().textContent(), /offset \d+ · duplicate/);
  await duplicate.first().getByTestId('finding-why').click();
  const detail = duplicate.first().getByTestId('finding-detail');
  assert.match(await detail.textContent(), /payments-0: "charge 42 EUR" is at offsets \[\d+, \d+\]/);
  assert.match(await detail.textContent(), /without idempotence/);
  const causes = await detail.getByTestId('cause').allTextContents();
  assert.match(causes[0] ?? '', /cut/i, causes.join('\n'));
  await findings.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('marks-duplicate', leaderRow);
  assert.deepEqual(playground.errors, []);
});

test('a reorder and a read then aborted are marked on their records with their why', async () => {
  for (const [file, kind, words, cause] of [
    ['crates/sim/tests/testdata/marks/reordered-without-idempotence.json', 'reordered', /offset 2 · reordered/, /cut/i],
    ['crates/sim/tests/testdata/marks/read-then-aborted.json', 'aborted-read', /offset 0 · read, then aborted/, /abort/i],
  ]) {
    const playground = await imported(file, `${kind}.json`);
    const { page } = playground;
    const topic = page.locator('[data-testid=topic][data-topic=payments]');
    await topic.locator(`[data-testid=record-mark][data-kind=${kind}]`).first().waitFor();
    const item = topic.getByTestId('partition-findings').locator('li', { has: page.locator(`[data-testid=finding-mark][data-kind=${kind}]`) });
    assert.equal(await item.count(), 1, kind);
    assert.match(await item.textContent(), words);
    await item.getByTestId('finding-why').click();
    const causes = await item.getByTestId('cause').allTextContents();
    assert.match(causes[0] ?? '', cause, `${kind}: ${causes.join('\n')}`);
    await item.scrollIntoViewIfNeeded();
    const marked = topic.locator('[data-testid=replica]', { has: page.locator(`[data-testid=record-mark][data-kind=${kind}]`) }).first();
    await playground.screenshotThemes(`marks-${kind}`, marked);
    assert.deepEqual(playground.errors, []);
  }
});

test('an acks=1 record truncated away says so in the producer\'s log, and the note counts every one lost', async () => {
  // acks=1 to broker 1 cut off from the other brokers: it acknowledges record-3..5 at offsets
  // 2-4 after broker 2 was elected, truncates them on rejoining, and broker 2 then takes
  // record-6 and record-7 at offsets 2 and 3.
  const playground = await imported('crates/sim/tests/testdata/marks/acks1-truncated-then-reused.toml', 'acks1.toml');
  const { page } = playground;
  const topic = page.locator('[data-testid=topic][data-topic=orders]');
  const findings = topic.getByTestId('partition-findings');
  await findings.waitFor();
  const lostNote = findings.locator('li', { has: page.locator('[data-testid=finding-mark][data-kind=lost-write]') });
  assert.deepEqual(await lostNote.allTextContents(), ['offsets 2-4 acknowledged, not in the leader\'s logwhy?'],
    'the three records broker 1 truncated, although offsets 2 and 3 hold new records now');
  const events = await playground.events();
  assert.ok(events.some((e) => /broker 1 truncated orders-0 from offset 5 to 2 \(3 record\(s\)/.test(e)), events.join('\n'));
  const operations = page.getByTestId('operation');
  const line = (value) => operations.filter({ hasText: `producer-1 ${value} →` }).first().textContent();
  for (const [value, offset] of [['record-3', 2], ['record-4', 3], ['record-5', 4]]) {
    const text = await line(value);
    assert.match(text, new RegExp(`acknowledged: partition 0, offset ${offset},.* — later lost: broker 1 truncated orders-0 from offset 5 to 2 at [\\d.]+ s`), text);
  }
  for (const value of ['record-6', 'record-7']) assert.doesNotMatch(await line(value), /lost/);
  await page.getByTestId('producer-panel').locator('.operations').scrollIntoViewIfNeeded();
  await playground.screenshotThemes('marks-acks1-truncated', page.getByTestId('producer-panel').locator('.operations'));
  await findings.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('marks-acks1-note', topic);
  assert.deepEqual(playground.errors, []);
});
