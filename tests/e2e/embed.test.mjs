// End to end: the documentation page (www/embed.html) hosts three playgrounds through
// <kafka-playground> (www/kafka-playground.js); they play independently, the host page's
// button crashes a broker in its own embed only through the JS API, malformed messages are
// ignored, each iframe's height follows its content, and nothing is saved. The embed URL
// parameters work in a plain iframe too. The full page answers the keyboard and switches themes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

/** The embed inside the element with this data-testid. */
const embed = (page, id) => page.frameLocator(`[data-testid=${id}] iframe`);

/** An embed's clock, in seconds of virtual time. */
async function seconds(frame) {
  const text = await frame.getByTestId('clock').textContent();
  return Number(text.match(/t = ([\d.]+) s/)[1]);
}

const brokerStatus = (frame, id) => frame.locator(`[data-broker-id="${id}"] [data-testid=broker-status]`).textContent();

/** The reader's saved state: every key the playground writes. */
const stored = (page) => page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)]
  .filter((k) => k.startsWith('kafka-playground/')));

/** Waits until the iframe is as tall as what it shows (it follows within a poll). */
const settled = (page, id) => page.waitForFunction((id) => {
  const frame = document.querySelector(`[data-testid=${id}]`).shadowRoot.querySelector('iframe');
  const main = frame.contentDocument.querySelector('main');
  return Math.abs(frame.getBoundingClientRect().height - (main.offsetTop + main.offsetHeight)) <= 1;
}, id);

/** The iframe's height, and the height of what it shows. */
const heights = (page, id) => page.evaluate((id) => {
  const frame = document.querySelector(`[data-testid=${id}]`).shadowRoot.querySelector('iframe');
  const main = frame.contentDocument.querySelector('main');
  return { frame: frame.getBoundingClientRect().height, content: main.offsetTop + main.offsetHeight };
}, id);

test('the documentation page: three embeds play independently, the API crashes the right broker', async () => {
  const playground = await suite.open(4, { width: 1000, height: 1000 }, { firstVisit: true });
  const { page } = playground;
  const warnings = [];
  page.on('console', (message) => { if (message.type() === 'warning') warnings.push(message.text()); });
  // The reader's own storage starts empty, so anything an embed wrote would show.
  await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
  await page.goto(page.url().replace(/\/\?.*$/, '/embed.html'));
  const acks = embed(page, 'embed-acks');
  const unclean = embed(page, 'embed-unclean');
  const groups = embed(page, 'embed-groups');
  for (const frame of [acks, unclean, groups]) await frame.locator('main.playground.embed').waitFor();
  await page.getByTestId('crash-leader').and(page.locator(':enabled')).waitFor();
  assert.equal(await unclean.getByTestId('topic-create').count(), 0, 'read-only: no topic form');
  assert.equal(await unclean.getByTestId('new-cluster').count(), 0, 'read-only: no new cluster');
  assert.ok(await acks.locator('.event-log').count() > 0, 'the acks embed lists its events');
  assert.equal(await groups.locator('.event-log').count(), 0, 'panels= leaves the event log out');
  assert.equal(await acks.getByText('The console runs kafka-reassign-partitions.sh', { exact: false }).count(), 0,
    'no pointer to a console the embed leaves out');
  assert.equal(await unclean.getByTestId('lesson-next').count(), 0, 'read-only: the lesson is a caption');
  assert.equal(await unclean.getByTestId('embed-lesson').count(), 1);

  // Two play at 1× and 10×; the read-only one waits.
  const before = await Promise.all([acks, unclean, groups].map(seconds));
  await page.waitForTimeout(2000);
  const after = await Promise.all([acks, unclean, groups].map(seconds));
  const moved = after.map((t, i) => t - before[i]);
  console.log('clocks before', before, 'after', after);
  assert.ok(moved[0] > 0.5 && moved[0] < 5, `acks plays at 1× (${moved[0]} s)`);
  assert.equal(moved[1], 0, 'the read-only embed is paused');
  assert.ok(moved[2] > 4 * moved[0], `consumer-groups plays at 10× (${moved[2]} s)`);
  // The lessons' steps point at parts of their embeds, which an embed brings into sight in its
  // own frame only: the reader of the documentation page stays where they are. (Its iframes
  // are as tall as their content, so nothing in them scrolls.)
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'no embed scrolled the documentation page');

  // The host page's button: state() finds clicks-0's leader, command() crashes it.
  for (const frame of [acks, unclean, groups]) assert.equal(await brokerStatus(frame, 1), 'online');
  await page.getByTestId('crash-leader').click();
  await page.getByTestId('crash-status').filter({ hasText: 'Crashed broker 1' }).waitFor();
  await unclean.locator('[data-broker-id="1"] [data-testid=broker-status]', { hasText: 'crashed' }).waitFor();
  // It starts past the ISR's shrink: the only candidate left is out of sync.
  await page.getByTestId('host-event').filter({ hasText: 'elected leader of clicks-0' }).waitFor({ timeout: 15000 });
  assert.match((await page.getByTestId('host-event').filter({ hasText: 'elected leader of clicks-0' }).allTextContents()).join('\n'),
    /broker 2 elected leader of clicks-0 \(epoch 1, unclean\)/);
  assert.equal(await brokerStatus(acks, 1), 'online', 'the acks embed is untouched');
  assert.equal(await brokerStatus(groups, 1), 'online', 'the consumer-groups embed is untouched');
  assert.equal(await unclean.getByTestId('play').textContent(), 'Pause', 'play() started its clock');
  console.log('host events:', await page.getByTestId('host-event').allTextContents());

  // Malformed messages from the host page are ignored (and named in a warning); none is answered.
  const replies = await page.evaluate(async () => {
    const frame = document.querySelector('[data-testid=embed-unclean]').shadowRoot.querySelector('iframe');
    const heard = [];
    window.addEventListener('message', (e) => { if (e.source === frame.contentWindow && e.data?.type === 'reply') heard.push(e.data.id); });
    const base = { source: 'kafka-playground', version: 1 };
    for (const message of [
      { ...base, id: 901, type: 'command', command: { command: 'crash_broker', broker: 'two' } },
      { ...base, id: 902, type: 'command', command: { command: 'crash_broker', broker: 2 }, extra: true },
      { ...base, version: 2, id: 903, type: 'command', command: { command: 'crash_broker', broker: 2 } },
      { ...base, id: 904, type: 'launch_missiles' },
      { source: 'kafka-playground', id: 905, type: 'pause' },
      'crash_broker 2',
    ]) frame.contentWindow.postMessage(message, '*');
    frame.contentWindow.postMessage({ ...base, id: 906, type: 'state' }, '*');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return heard;
  });
  assert.deepEqual(replies, [906], 'only the well-formed request is answered');
  assert.equal(await brokerStatus(unclean, 2), 'online', 'no malformed message crashed broker 2');
  const ignored = warnings.filter((w) => w.includes('kafka-playground: ignored a message'));
  assert.equal(ignored.length, 5, ignored.join('\n'));
  assert.ok(ignored.some((w) => w.includes('command: invalid type: string "two"')), ignored.join('\n'));

  // The acks embed walks its lesson on its own: Next applies the step's commands there.
  await acks.getByTestId('lesson-next').click();
  // The client the step adds is named in the producers panel (an option of its select).
  await acks.getByText('fire', { exact: true }).first().waitFor({ state: 'attached' });
  assert.equal(await groups.getByText('fire', { exact: true }).count(), 0);

  // Each iframe is as tall as what it shows, and follows it when the layout changes.
  await settled(page, 'embed-acks');
  const wide = await heights(page, 'embed-acks');
  console.log('screenshot:', await playground.screenshot('embed-docs'));
  await playground.screenshotThemes('embed-docs');
  await page.setViewportSize({ width: 480, height: 1000 });
  await settled(page, 'embed-acks');
  const narrow = await heights(page, 'embed-acks');
  console.log('acks embed height at 1000 px:', wide, 'at 480 px:', narrow);
  assert.notEqual(narrow.content, wide.content, 'the narrow layout is taller');
  console.log('screenshot:', await playground.screenshot('embed-docs-480-full'));

  assert.deepEqual(await stored(page), [], 'three embeds saved nothing, not even a theme');
  assert.deepEqual(playground.errors, []);
});

test('embed URL parameters: lesson, panels, theme, start time, read-only, autoplay and speed', async () => {
  const playground = await suite.open(5, { width: 900, height: 900 }, { firstVisit: true });
  const { page } = playground;
  const warnings = [];
  page.on('console', (message) => { if (message.type() === 'warning') warnings.push(message.text()); });
  await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
  const base = page.url().replace(/\/\?.*$/, '/');
  await page.goto(`${base}?embed=1&lesson=acks&panels=cluster,brokerz&theme=dark&readonly=1&t=3000`);
  await page.getByTestId('clock').filter({ hasText: 't = 3.000 s' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await page.getByTestId('embed-lesson').count(), 1);
  assert.match(await page.getByTestId('embed-lesson').textContent(), /acks=0, 1 and all/);
  assert.equal(await page.getByTestId('partition').count(), 0, 'only the cluster panel');
  assert.equal(await page.locator('.event-log').count(), 0);
  assert.equal(await page.getByTestId('broker').count(), 3);
  assert.ok(await page.locator('[data-broker-id="1"] button').count() > 0, 'the cluster has its buttons...');
  assert.ok(await page.locator('[data-broker-id="1"] button:enabled').count() === 0, '...all disabled');
  assert.ok(warnings.some((w) => w.includes('unknown panel "brokerz"')), warnings.join('\n'));
  await page.getByTestId('play').click();
  await page.waitForFunction(() => !/t = 3\.000 s/.test(document.querySelector('[data-testid=clock]').textContent));
  assert.deepEqual(await stored(page), [], 'the dark theme is not the reader\'s now');

  await page.goto(`${base}?embed=1&autoplay=1&speed=100&seed=9`);
  await page.getByTestId('play').filter({ hasText: 'Pause' }).waitFor();
  assert.equal(await page.getByTestId('speed').evaluate((s) => s.selectedOptions[0].textContent), '100×');
  assert.deepEqual(await stored(page), []);
  assert.deepEqual(playground.errors, []);
});

test('a share link opens inside an embed, and the element can load one', async () => {
  const playground = await suite.open(8, { width: 1000, height: 900 });
  const { page } = playground;
  await playground.play();
  await playground.createTopic();
  await page.waitForTimeout(300);
  await playground.play();
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByTestId('share-link').inputValue();
  await page.getByTestId('share-close').click();
  const runs = await page.evaluate(() => localStorage.getItem('kafka-playground/runs'));
  const fragment = link.slice(link.indexOf('#'));

  // A plain iframe URL with the fragment.
  await page.goto(link.replace('/#', '/?embed=1#'));
  await page.getByTestId('partition').first().waitFor();
  assert.equal(await page.locator('main.embed').count(), 1);

  // The element: share="…" and load(link).
  await page.goto(link.replace(/\/#.*$/, '/embed.html'));
  await page.evaluate((fragment) => {
    document.body.innerHTML = '';
    const element = document.createElement('kafka-playground');
    element.setAttribute('share', fragment);
    element.dataset.testid = 'shared';
    document.body.append(element);
  }, fragment);
  await embed(page, 'shared').getByTestId('partition').first().waitFor();
  await page.evaluate(() => {
    const other = document.createElement('kafka-playground');
    other.dataset.testid = 'loaded';
    document.body.append(other);
  });
  const answer = await page.evaluate(async (link) => {
    // Requests made before the frame is ready wait for it.
    const other = document.querySelector('[data-testid=loaded]');
    const loaded = await other.load(link);
    const refused = await other.load('#s=damaged').catch((error) => error.message);
    const bad = await other.command({ command: 'crash_broker', broker: 42 }).catch((error) => error.message);
    return { loaded, refused, bad };
  }, link);
  console.log('load answers:', answer);
  assert.ok(answer.loaded.nowMs > 0);
  assert.match(answer.refused, /^kafka-playground: share: /);
  assert.match(answer.bad, /^kafka-playground: /);
  await embed(page, 'loaded').getByTestId('partition').first().waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('kafka-playground/runs')), runs, 'the saved runs are as they were');
  assert.deepEqual(playground.errors, []);
});

test('the element\'s lifecycle: one navigation per change, height back to auto, removal ends its requests', async () => {
  const playground = await suite.open(9, { width: 1000, height: 900 });
  const { page } = playground;
  await page.goto(page.url().replace(/\/\?.*$/, '/embed.html'));
  await page.evaluate(() => {
    // Counts the frames' navigations: every assignment to an iframe's src.
    const src = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'src');
    window.navigations = 0;
    Object.defineProperty(HTMLIFrameElement.prototype, 'src', {
      ...src,
      set(value) { window.navigations += 1; src.set.call(this, value); },
    });
    // Parsed with its attributes: each is heard before connectedCallback.
    document.body.innerHTML = '<kafka-playground data-testid="life" lesson="acks" panels="cluster" speed="10" autoplay></kafka-playground>';
  });
  const frame = embed(page, 'life');
  await frame.locator('main.playground.embed').waitFor();
  assert.equal(await page.evaluate(() => window.navigations), 1, 'one load for all the attributes');
  await page.evaluate(() => document.querySelector('kafka-playground').setAttribute('panels', 'cluster,events'));
  await frame.locator('.event-log').waitFor();
  assert.equal(await page.evaluate(() => window.navigations), 2, 'a changed attribute loads once');

  await settled(page, 'life');
  const auto = (await heights(page, 'life')).frame;
  // The iframe's height eases over 0.15 s.
  const frameHeight = (height) => page.waitForFunction((height) => Math.abs(document.querySelector('kafka-playground')
    .shadowRoot.querySelector('iframe').getBoundingClientRect().height - height) < 1, height, { timeout: 3000 });
  await page.evaluate(() => document.querySelector('kafka-playground').setAttribute('height', '123px'));
  await frameHeight(123);
  await page.evaluate(() => document.querySelector('kafka-playground').removeAttribute('height'));
  await frameHeight(auto); // back to the content's height, which the frame does not send again
  assert.equal(await page.evaluate(() => window.navigations), 2, 'height only resizes');

  const early = await page.evaluate(async () => {
    // Asked before the element is on the page: the request waits for its frame.
    const element = document.createElement('kafka-playground');
    const answer = element.state();
    document.body.append(element);
    const { nowMs } = await answer;
    element.remove();
    return nowMs;
  });
  // A new embed opens on a started cluster: its clock ran until the brokers registered.
  assert.ok(early > 0 && early < 1_000, `the started cluster's clock: ${early} ms`);
  const ended = await page.evaluate(async () => {
    const element = document.querySelector('kafka-playground');
    await element.state();
    const pending = element.runTo(3_600_000).catch((error) => error.message);
    element.remove();
    return pending;
  });
  assert.equal(ended, 'kafka-playground: the element left the page');
  assert.deepEqual(playground.errors, []);
});

test('load() changes the lesson panel with the run; a changed lesson or theme attribute reloads the frame with it', async () => {
  const playground = await suite.open(10, { width: 1000, height: 900 });
  const { page } = playground;
  await page.goto(page.url().replace(/\/\?.*$/, '/embed.html'));
  await page.evaluate(() => {
    document.body.innerHTML = '<kafka-playground data-testid="switch" lesson="acks" panels="cluster,events"></kafka-playground>';
  });
  const frame = embed(page, 'switch');
  const panel = frame.getByTestId('lesson-panel');
  await panel.waitFor();
  assert.equal(await panel.getAttribute('data-lesson'), 'acks');
  const element = 'document.querySelector("kafka-playground")';
  const next = frame.getByTestId('lesson-next');
  await next.and(frame.locator(':enabled')).waitFor();
  await next.click();
  await frame.getByTestId('lesson-progress').filter({ hasText: /^step 2 of/ }).waitFor();

  await page.evaluate(`${element}.load("high-watermark")`);
  await frame.locator('[data-testid=lesson-panel][data-lesson="high-watermark"]').waitFor();
  assert.match(await frame.getByTestId('lesson-progress').textContent(), /^step 1 of/, 'the loaded lesson starts at its first step');

  // Loading the same lesson again starts it over too.
  await frame.getByTestId('lesson-next').and(frame.locator(':enabled')).waitFor();
  await frame.getByTestId('lesson-next').click();
  await frame.getByTestId('lesson-progress').filter({ hasText: /^step 2 of/ }).waitFor();
  await page.evaluate(`${element}.load("high-watermark")`);
  await frame.getByTestId('lesson-progress').filter({ hasText: /^step 1 of/ }).waitFor();

  // A scenario is not a lesson: the panel goes, rather than judging the wrong run.
  await page.evaluate(`${element}.load({seed: 4, steps: [{at_ms: 500, command: "heal_network"}], run_until_ms: 800})`);
  await panel.waitFor({ state: 'detached' });
  assert.match(await frame.getByTestId('clock').textContent(), /t = 0\.8/);

  // Attributes: the frame reloads with them.
  await page.evaluate(`${element}.setAttribute("lesson", "acks")`);
  await frame.locator('[data-testid=lesson-panel][data-lesson="acks"]').waitFor();
  await page.evaluate(`${element}.setAttribute("theme", "dark")`);
  await frame.locator('html[data-theme="dark"]').waitFor();
  await frame.locator('[data-testid=lesson-panel][data-lesson="acks"]').waitFor();
  await page.evaluate(`${element}.setAttribute("readonly", "")`);
  await frame.locator('main.readonly').waitFor();
  assert.equal(await frame.getByTestId('embed-lesson').count(), 1, 'read-only: the lesson as a caption');
  assert.deepEqual(playground.errors, []);
});

test('Space plays and pauses, "." steps, the theme button switches to dark', async () => {
  const playground = await suite.open(6, { width: 1400, height: 900 });
  const { page } = playground;
  const warnings = [];
  page.on('console', (message) => warnings.push(message.text()));
  const notFound = [];
  page.on('response', (response) => { if (response.status() === 404) notFound.push(response.url()); });
  await page.reload();
  await page.getByTestId('clock').waitFor();
  await page.evaluate(() => window.scrollTo(0, 200));
  const scrolled = await page.evaluate(() => window.scrollY);
  await page.locator('body').press('Space');
  await page.waitForFunction(async () => (await document.querySelector('[data-testid=play]').textContent) === 'Pause');
  assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'Space plays without scrolling');
  await page.locator('body').press('Space');
  await page.waitForFunction(async () => (await document.querySelector('[data-testid=play]').textContent) === 'Play');
  const micros = () => page.getByTestId('clock').getAttribute('data-micros').then(Number);
  const paused = await micros();
  await page.waitForTimeout(200);
  assert.equal(await micros(), paused, 'paused, the clock stands still');
  // "." processes exactly one event; several can fall at one instant, so a few presses may
  // pass before the clock moves.
  let presses = 0;
  while (await micros() === paused && presses < 50) {
    await page.locator('body').press('.');
    presses += 1;
  }
  assert.ok(await micros() > paused, `"." moved the clock within ${presses} presses`);
  await page.getByTestId('theme').click();
  await page.getByTestId('theme').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(background, 'rgb(22, 24, 28)');
  console.log('screenshot:', await playground.screenshot('dark-theme'));
  assert.deepEqual(playground.errors, []);
  assert.deepEqual(warnings.filter((w) => w.includes('preventDefault')), [], 'no passive-listener warning');
  assert.deepEqual(notFound, [], 'nothing the page asks for is missing (the favicon)');
});
