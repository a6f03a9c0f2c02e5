// End to end: the page teaches on its own (issue #16). It opens on a started cluster, so the
// first Create works; a form's error clears when the input changes or the next action
// succeeds; timers that decide what happens next are counted down on the cards; the
// producer's log marks an acknowledged record that was lost since, with its cause; and the
// small things: keys, labels, legend, the 480 px layout, reduced motion, Space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite, settles } from './harness.mjs';

const suite = playgroundSuite();

/** Console messages a user would see in the devtools: errors and warnings. */
function listen(page) {
  const messages = [];
  page.on('console', (m) => {
    // Chromium's own note on the modulepreload link Trunk writes with an integrity hash: about
    // the browser, not the page (crbug.com/981419).
    if (m.text().includes('integrity` attribute is currently ignored for preload')) return;
    if (m.type() === 'error' || m.type() === 'warning') messages.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) messages.push(`${r.status()} ${r.url()}`);
  });
  return messages;
}

test('the page opens on a registered cluster: Create works before Play, and errors do not go stale', async () => {
  const playground = await suite.open(7, { width: 1280, height: 900 });
  const { page } = playground;
  const messages = listen(page);
  await page.reload();
  await page.getByTestId('clock').waitFor();
  for (const id of [1, 2, 3]) assert.equal(await playground.brokerStatus(id), 'online', `broker ${id} at boot`);
  assert.ok((await playground.seconds()) > 0, 'the clock shows the start that ran');
  assert.match(await page.getByTestId('cluster-started').textContent(), /registered with the controller/);

  // Create before Play: no INVALID_REPLICATION_FACTOR.
  await page.getByTestId('topic-create').click();
  await page.getByTestId('partition').first().waitFor();
  assert.equal(await page.getByTestId('topic-error').count(), 0);

  // Empty, the name field offers a name no topic has: orders is taken now.
  await settles(() => page.getByTestId('topic-name').getAttribute('placeholder'), 'payments');
  // An invalid name is Kafka's to refuse, not the browser's.
  await page.getByTestId('topic-name').fill('my orders');
  await page.getByTestId('topic-create').click();
  assert.equal(await page.getByTestId('topic-error').textContent(),
    "INVALID_TOPIC_EXCEPTION: Topic name is invalid: 'my orders' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
  // A refusal shows, and goes when the input changes...
  await page.getByTestId('topic-name').fill('wide');
  await page.getByTestId('topic-rf').fill('4');
  await page.getByTestId('topic-create').click();
  assert.match(await page.getByTestId('topic-error').textContent(), /^INVALID_REPLICATION_FACTOR/);
  await page.getByTestId('topic-rf').fill('3');
  assert.equal(await page.getByTestId('topic-error').count(), 0, 'edited: the old answer is gone');
  // ...or when the next action succeeds.
  await page.getByTestId('topic-rf').fill('4');
  await page.getByTestId('topic-create').click();
  await page.getByTestId('topic-error').waitFor();
  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer').first().waitFor();
  assert.equal(await page.getByTestId('topic-error').count(), 0, 'another action succeeded: no error left');
  await playground.screenshotThemes('teaches-started');
  assert.deepEqual(messages, [], 'no console error, warning or failed request (favicon)');
  assert.deepEqual(playground.errors, []);
});

test('a crashed broker and a crashed consumer count down the timers that decide their fate', async () => {
  const playground = await suite.open(5, { width: 1400, height: 1400 });
  const { page } = playground;
  await page.getByTestId('topic-create').click();
  await page.getByTestId('partition').first().waitFor();

  // The consumer form offers the timeouts, at Kafka's defaults.
  assert.equal(await page.getByTestId('consumer-session-timeout-ms').inputValue(), '45000');
  assert.equal(await page.getByTestId('consumer-heartbeat-interval-ms').inputValue(), '3000');
  assert.equal(await page.getByTestId('consumer-max-poll-interval-ms').inputValue(), '300000');
  assert.equal(await page.getByTestId('producer-request-timeout').inputValue(), '30000');
  assert.equal(await page.getByTestId('producer-delivery-timeout').inputValue(), '120000');
  await page.getByTestId('consumer-session-timeout-ms').fill('10000');
  await page.getByTestId('consumer-heartbeat-interval-ms').fill('1000');
  await page.getByTestId('consumer-add').click();
  await playground.setSpeed('10×');
  await playground.play();
  await page.waitForFunction(() => document.querySelector('[data-testid=consumer]')
    ?.querySelectorAll('[data-testid=owned-partition]').length > 0, null, { timeout: 30_000 });

  // The consumer first, while it is a member its coordinator knows: crashed right after broker
  // 2's fencing, it could die while finding a coordinator that moved, and no session would
  // count down.
  const consumer = page.getByTestId('consumer').first();
  await consumer.getByTestId('consumer-crash').click();
  const session = consumer.locator('[data-testid=countdown][data-config="session.timeout.ms"]');
  await session.waitFor({ timeout: 10_000 });
  assert.match(await session.textContent(),
    /^removed from the group by the coordinator in \d+\.\d s unless a heartbeat arrives \(session\.timeout\.ms = 10000 ms\)$/);
  await playground.play();
  await consumer.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('teaches-consumer-countdown');
  await playground.play();

  await playground.broker(2).getByRole('button', { name: 'Crash broker 2', exact: true }).click();
  const countdown = playground.broker(2).getByTestId('countdown');
  await countdown.waitFor({ timeout: 10_000 });
  await playground.play();
  assert.match(await countdown.textContent(),
    /^fenced by the controller at its first check \(every 1125 ms\) after \d\.\d s unless a heartbeat arrives \(broker\.session\.timeout\.ms = 9000 ms\)$/);
  await playground.screenshotThemes('teaches-broker-countdown');
  await playground.play();
  await page.waitForFunction(() => document.querySelector('[data-broker-id="2"] [data-testid=broker-status]')
    .textContent === 'crashed' && !document.querySelector('[data-broker-id="2"] [data-testid=countdown]'), null, { timeout: 30_000 });
  const fenced = await playground.events();
  assert.ok(fenced.some((e) => /broker 2 fenced by the controller/.test(e)), 'the countdown ended in the fencing');

  assert.deepEqual(playground.errors, []);
});

test('keys are shown and Send ×10 spreads ten keys; a full log keeps its LEO/HW label on the card', async () => {
  const playground = await suite.open(9, { width: 1280, height: 900 });
  const { page } = playground;
  await page.getByTestId('topic-partitions').fill('1');
  await page.getByTestId('topic-create').click();
  await page.getByTestId('partition').first().waitFor();
  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer').first().waitFor();
  await page.getByTestId('send-key').fill('key');
  await page.getByTestId('send-10').click();
  await page.getByTestId('send-10').click();
  await playground.play();
  await page.waitForFunction(() => document.querySelector('[data-testid=replica]')?.getAttribute('aria-label')
    .includes('log end offset 20'), null, { timeout: 20_000 });
  await playground.play();
  // A closed log draws the newest records that fit on a line; opened, its newest 256.
  const line = await page.getByTestId('replica').first().getByTestId('record-key').count();
  assert.ok(line >= 4 && line < 20, `a line of records: ${line}`);
  await page.getByTestId('earlier-records').click();
  const keyTexts = () => page.getByTestId('replica').first().getByTestId('record-key').allTextContents();
  await settles(async () => (await keyTexts()).length, 20, 'every record, each with its key');
  const keys = await keyTexts();
  assert.deepEqual(keys.slice(-10), [...Array(10).keys()].map((i) => `key-${i}`));
  // The label stays inside the topic's card.
  const inside = await page.evaluate(() => {
    const card = document.querySelector('[data-testid=topic]').getBoundingClientRect();
    return [...document.querySelectorAll('.replica .marks')].every((m) => m.getBoundingClientRect().right <= card.right + 0.5);
  });
  assert.ok(inside, 'LEO/HW within the card');
  await page.getByTestId('topic').scrollIntoViewIfNeeded();
  await playground.screenshotThemes('teaches-keys-and-labels');
  assert.deepEqual(playground.errors, []);
});

test('at 480 px Create topic comes right after the cluster, in the order Tab follows; the legend is coloured; reduced motion stops the dots', async () => {
  const playground = await suite.open(3, { width: 480, height: 900 });
  const { page } = playground;
  const order = await page.evaluate(() => {
    const top = (selector) => document.querySelector(selector).getBoundingClientRect().top;
    return { cluster: top('.cluster'), form: top('[data-testid=topic-form]'), network: top('[data-testid=network]'), events: top('.event-log') };
  });
  assert.ok(order.cluster < order.form && order.form < order.network && order.form < order.events, JSON.stringify(order));
  // At one column the panels stand in the document's order, which Tab follows (WCAG 2.4.3):
  // a panel moved up by CSS alone is reached by Tab only after everything it jumped.
  const panels = await page.evaluate(() => [...document.querySelectorAll('.panes > .main-column > *, .panes > .side-column > *')]
    .flatMap((e) => (getComputedStyle(e).display === 'contents' ? [...e.children] : [e]))
    .filter((e) => e.getBoundingClientRect().height > 0)
    .map((e) => ({ panel: e.className || e.tagName, top: Math.round(e.getBoundingClientRect().top) })));
  assert.ok(panels.length >= 8, JSON.stringify(panels));
  assert.deepEqual(panels.map((p) => p.top), panels.map((p) => p.top).sort((a, b) => a - b), JSON.stringify(panels));
  console.log('screenshot:', await playground.screenshot('teaches-480'));

  const colours = await page.evaluate(() => [...document.querySelectorAll('[data-testid=network-summary] .dot')]
    .map((d) => getComputedStyle(d).color));
  assert.equal(colours.length, 2);
  assert.notEqual(colours[0], colours[1], 'requests and responses in two colours');
  const text = await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid=network-summary]')).color);
  assert.ok(!colours.includes(text), `dots coloured, not the text's ${text}: ${colours}`);

  await page.emulateMedia({ reducedMotion: 'reduce' });
  // Step event by event until a message is on the wire.
  for (let i = 0; i < 200 && await page.locator('.network .message').count() === 0; i += 1) {
    await page.getByTestId('step').click();
  }
  assert.ok(await page.locator('.network .message').count() > 0, 'a message on the wire');
  const shown = await page.evaluate(() => [...document.querySelectorAll('.network .message')]
    .filter((m) => getComputedStyle(m).display !== 'none').length);
  assert.equal(shown, 0, 'no moving dots under prefers-reduced-motion');
  await page.getByTestId('network').scrollIntoViewIfNeeded();
  console.log('screenshot:', await playground.screenshot('teaches-reduced-motion', { fullPage: false }));
  assert.deepEqual(playground.errors, []);
});

test('Space plays and pauses without scrolling the page and without a console warning', async () => {
  const playground = await suite.open(4, { width: 1280, height: 600 });
  const { page } = playground;
  const messages = listen(page);
  await page.locator('h1').click();
  const before = await page.evaluate(() => window.scrollY);
  await page.keyboard.press('Space');
  assert.equal(await page.getByTestId('play').textContent(), 'Pause');
  await page.keyboard.press('Space');
  assert.equal(await page.getByTestId('play').textContent(), 'Play');
  assert.equal(await page.evaluate(() => window.scrollY), before, 'the page did not scroll');
  assert.deepEqual(messages.filter((m) => /preventDefault|passive/.test(m)), []);
});

test('an acknowledged record the log no longer has reads "later lost" in the producer log, with why?', async () => {
  const playground = await suite.open(16, { width: 1280, height: 1000 });
  const { page } = playground;
  const panel = await playground.startLesson('acks');
  await playground.setSpeed('100×');
  await playground.play();
  // acks=0, then acks=1 with broker 1 cut off from its followers; the leader's crash comes
  // while they are still in the ISR (at 1×), so one of them is elected without the record.
  for (let step = 1; step <= 4; step += 1) {
    if (step === 3) await playground.setSpeed('1×');
    const showMe = panel.getByTestId('lesson-show-me');
    if (await showMe.count()) await showMe.click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 60_000 });
    if (step < 4) await panel.getByTestId('lesson-next').click();
  }
  await playground.play();
  const lost = page.locator('[data-testid=operation]', { has: page.locator('[data-testid=finding-mark][data-kind=lost-write]') });
  await lost.first().waitFor({ timeout: 10_000 });
  // Worded from its cause: the leader elected without it (the old one has not come back).
  assert.match(await lost.first().textContent(), /acknowledged.* — later lost: not in the log of broker \d, leader of orders-0 since [\d.]+ s/);
  await lost.first().getByTestId('finding-why').click();
  const causes = await lost.first().getByTestId('cause').allTextContents();
  assert.ok(/leader of orders-0|leader/i.test(causes[0] ?? '') && /crash|fenced/i.test(causes.join(' ')), causes.join('\n'));
  await lost.first().scrollIntoViewIfNeeded();
  await playground.screenshotThemes('teaches-lost-after-ack');
  assert.deepEqual(playground.errors, []);
});
