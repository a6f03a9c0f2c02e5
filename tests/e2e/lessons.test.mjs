// Lessons: the picker greets a first visit and stays away once dismissed; lessons walk to their
// end through the lesson panel (the reader's Play and speed, the step's "Show me" for the task,
// Next when the simulation has shown the outcome); the texts switch to Korean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { playgroundSuite, screenshots, settles } from './harness.mjs';

const suite = playgroundSuite();

/** Walks the open lesson to its end and returns how many steps it had. */
async function walk(playground) {
  const { page } = playground;
  const panel = page.getByTestId('lesson-panel');
  const total = Number((await panel.getByTestId('lesson-progress').textContent()).match(/of (\d+)/)[1]);
  await playground.setSpeed('100×');
  if ((await page.getByTestId('play').textContent()).includes('Play')) await playground.play();
  for (let step = 1; step <= total; step += 1) {
    // Next re-renders the panel on the page's next frame, not within the click.
    const want = `step ${step} of ${total}`;
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid=lesson-progress]')?.textContent === text,
      want, { timeout: 10_000 }).catch(() => {});
    assert.equal(await panel.getByTestId('lesson-progress').textContent(), want);
    if (step > 1) {
      // Next is disabled on the new step: the focus goes to its text, not to the page's start.
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'lesson-text', `step ${step}: focus after Next`);
    }
    const showMe = panel.getByTestId('lesson-show-me');
    if (await showMe.count()) {
      // The task is not done before the reader acts.
      assert.ok(await showMe.isEnabled(), `step ${step}: already done before the task`);
      await showMe.click();
    }
    const next = panel.getByTestId('lesson-next');
    await page.waitForFunction(
      () => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 60_000 })
      .catch(async (error) => {
        // Name the step and what it still waits for, not only the timeout.
        const status = await panel.getByTestId('lesson-status').textContent().catch(() => '');
        const clock = `${await page.getByTestId('play').textContent()} at ${await playground.clock()}`;
        throw new Error(`step ${step} of ${total}: ${status}; the clock: ${clock}; ${error.message}`);
      });
    if (await panel.getByTestId('lesson-status').count()) {
      assert.match(await panel.getByTestId('lesson-status').textContent(), /^✓ done: /);
    }
    await next.click();
  }
  await panel.waitFor({ state: 'detached' });
  return total;
}

test('the picker greets a first visit, closes with Escape, and stays away once dismissed', async () => {
  const playground = await suite.open(16, { width: 1280, height: 800 }, { firstVisit: true, colorScheme: 'light' });
  const { page } = playground;
  const picker = page.getByTestId('lesson-picker');
  await picker.waitFor();
  assert.ok((await page.getByTestId('lesson-choice').count()) >= 8);
  await page.screenshot({ path: join(screenshots, 'lessons-picker.png') });
  await page.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' });
  // The focus comes back to the page's first control, Play, and Tab goes on through the
  // toolbar (the browser would start it past the toolbar, where the picker was).
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'play');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => !!document.activeElement?.closest('header.top')),
    `the next Tab stays in the toolbar: ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`);
  await page.reload();
  await page.getByTestId('clock').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await picker.count(), 0, 'dismissed: no picker on the next visit');
  await page.getByTestId('lessons').click();
  await picker.waitFor();
  await page.getByTestId('lesson-picker-close').click();
  await picker.waitFor({ state: 'detached' });
  assert.deepEqual(playground.errors, []);
});

test('with the keyboard: a lesson started from the picker has the focus on its text, and leaving it returns the focus to Lessons', async () => {
  const playground = await suite.open(16, { width: 480, height: 900 }, { firstVisit: true, colorScheme: 'light' });
  const { page } = playground;
  const focused = () => page.evaluate(() => document.activeElement?.dataset.testid);
  await page.getByTestId('lesson-picker').waitFor();
  // The tabs are one Tab stop; the arrow keys move between them.
  const selected = () => page.evaluate(() => document.querySelector('[role=tab][aria-selected=true]')?.dataset.testid);
  await page.getByTestId('picker-lessons').focus();
  await page.keyboard.press('ArrowRight');
  await settles(selected, 'picker-challenges', 'ArrowRight selects Challenges');
  assert.equal(await focused(), 'picker-challenges');
  assert.equal(await page.getByTestId('picker-lessons').getAttribute('tabindex'), '-1');
  await page.keyboard.press('ArrowLeft');
  await settles(selected, 'picker-lessons', 'ArrowLeft selects Lessons again');
  assert.equal(await focused(), 'picker-lessons');
  await page.locator('[data-testid=lesson-choice][data-lesson="cluster-parts"]').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('lesson-panel').waitFor();
  await settles(focused, 'lesson-text', 'the new lesson\'s text has the focus, not the page\'s body');
  await page.getByTestId('lesson-close').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('lesson-panel').waitFor({ state: 'detached' });
  await settles(focused, 'lessons', 'the focus is back on Lessons');
  assert.deepEqual(playground.errors, []);
});

test('with the keyboard: Go there focuses the part a step outlines, and L brings the focus back to the step', async () => {
  const playground = await suite.open(16, { width: 480, height: 900 });
  const { page } = playground;
  await playground.startLesson('acks');
  const focus = () => page.evaluate(() => {
    const active = document.activeElement;
    return { testid: active?.dataset.testid, outlined: !!active?.closest('[data-lesson-highlight]') };
  });
  // Step 2 outlines the producers' panel, far below the lesson at this width.
  await page.getByTestId('lesson-next').click();
  await settles(async () => (await page.getByTestId('lesson-progress').textContent()), 'step 2 of 7', 'on step 2');
  await page.getByTestId('lesson-go-there').focus();
  await page.keyboard.press('Enter');
  await settles(focus, { testid: 'producer-panel', outlined: true }, 'the outlined producers\' panel has the focus');
  await page.keyboard.press('l');
  await settles(async () => (await focus()).testid, 'lesson-text', 'L brings the focus back to the step');
  // Again, and the next Tab goes into the part.
  await page.getByTestId('lesson-go-there').focus();
  await page.keyboard.press('Enter');
  await settles(async () => (await focus()).testid, 'producer-panel', 'Go there again');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('[data-testid=producer-panel]')),
    'Tab reaches a control of the producers\' panel');
  assert.deepEqual(playground.errors, []);
});

test('an embedded page never shows the picker', async () => {
  const playground = await suite.open(16, undefined, { firstVisit: true, query: 'embed=1' });
  await playground.page.waitForTimeout(300);
  assert.equal(await playground.page.getByTestId('lesson-picker').count(), 0);
  assert.equal(await playground.page.getByTestId('lessons').count(), 0);
});

for (const id of [
  'cluster-parts', 'producer-pipeline', 'preferred-leader', 'keys-and-partitions', 'in-sync-replicas',
  'min-insync-replicas', 'acks', 'unclean-leader-election', 'consumer-groups', 'idempotent-producer',
  'share-groups',
  // Every lesson is walked natively (crates/sim/tests/suite/lessons.rs), by a quick reader and by
  // one who reads three minutes a step; the panel is the same code for all of them. The page
  // walks these; transactions, offsets-and-commits and rebalances wait minutes of simulated
  // time (about 12 s of the test run, which must stay under 15 minutes on 2 cores) and
  // exactly-once-limits judges its checker conditions over a growing history, so they are walked
  // natively only (transactions' first step also runs in the page in the Korean test below).
]) {
  test(`lesson ${id} walks to its end through the page`, async () => {
    const playground = await suite.open(16);
    await playground.startLesson(id);
    const steps = await walk(playground);
    assert.ok(steps >= 3);
    await playground.page.getByTestId('lessons').click();
    const choice = playground.page.locator(`[data-testid=lesson-choice][data-lesson="${id}"]`);
    assert.match(await choice.textContent(), /finished/);
    // Marked by more than a word: its edge, and a tally above the list.
    assert.match(await choice.getAttribute('class'), /\bfinished\b/);
    assert.match(await playground.page.getByTestId('lesson-tally').textContent(), /^✓ 1 of 18 finished$/);
    assert.deepEqual(playground.errors, []);
  });
}

test('Back returns the cluster to where the step began, so its task can be done again; Show me does it once', async () => {
  const playground = await suite.open(16, { width: 1280, height: 800 }, { colorScheme: 'light' });
  const { page } = playground;
  await playground.startLesson('cluster-parts');
  const panel = page.getByTestId('lesson-panel');
  const progress = (text) => page.waitForFunction(
    (want) => document.querySelector('[data-testid=lesson-progress]')?.textContent === want, text);
  const micros = async () => Number(await page.getByTestId('clock').getAttribute('data-micros'));
  const pause = async () => {
    if ((await page.getByTestId('play').textContent()).includes('Pause')) await playground.play();
  };
  const status = () => panel.getByTestId('lesson-status').textContent();
  await pause();
  await panel.getByTestId('lesson-next').click();
  await progress('step 2 of 5');
  await panel.getByTestId('lesson-next').click();
  await progress('step 3 of 5');
  // The step asks for a topic: Go there goes to the form that creates one.
  await panel.getByTestId('lesson-go-there').click();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'topic-form');
  const began = await micros();
  const payments = page.locator('[data-testid=topic][data-topic=payments]');

  // Show me does the task once, says so, and outlines where to look. The clock is paused, so
  // the task is given at the very moment the step began.
  const showMe = panel.getByTestId('lesson-show-me');
  await showMe.click();
  await page.waitForFunction(() => document.querySelector('[data-testid=lesson-show-me]')?.disabled);
  // (Judged again at once though no time passed: a command was given.)
  assert.match(await status(), /^(Done for you \(see the outlined part\)\. Waiting for: |✓ done: )/);
  assert.ok(await page.locator('section.topics[data-lesson-highlight]').isVisible());
  await playground.setSpeed('10×');
  await playground.play();
  await page.waitForFunction(() => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 60_000 });
  await pause();
  assert.equal(await payments.count(), 1);
  await panel.getByTestId('lesson-next').click();
  await progress('step 4 of 5');
  // The task may have been met with no time passing (judged again when Show me gave it):
  // then Back must undo it at the very moment the step began, by the commands' count.
  assert.ok(await micros() >= began);

  // Back: the cluster as it was when step 3 began, before payments existed.
  await panel.getByTestId('lesson-back').click();
  await progress('step 3 of 5');
  await page.waitForFunction((want) => Number(document.querySelector('[data-testid=clock]')?.dataset.micros) === want
    && !document.querySelector('[data-testid=seek-progress]'), began);
  assert.equal(await payments.count(), 0, 'payments is not created yet at the step\'s start');
  await page.waitForFunction(() => /^waiting for: /.test(document.querySelector('[data-testid=lesson-status]')?.textContent))
    .catch(async (error) => { throw new Error(`after Back: ${await status()}; ${error.message}`); });
  assert.ok(await showMe.isEnabled(), 'the task is to be done again');
  assert.ok(await panel.getByTestId('lesson-next').isDisabled());
  // Done again, without a refusal (TOPIC_ALREADY_EXISTS, had the topic stayed).
  await showMe.click();
  await playground.play();
  await page.waitForFunction(() => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 60_000 });
  await panel.getByTestId('lesson-next').click();
  await progress('step 4 of 5');
  assert.equal(await payments.count(), 1);
  assert.equal(await page.getByTestId('command-error').count(), 0);

  // Folded, the panel keeps its status and buttons; Next unfolds the new step's text.
  await panel.getByTestId('lesson-fold').click();
  assert.equal(await panel.getByTestId('lesson-fold').getAttribute('aria-expanded'), 'false');
  assert.ok(!(await panel.getByTestId('lesson-text').isVisible()));
  assert.ok(await panel.getByTestId('lesson-next').isVisible());
  await panel.getByTestId('lesson-next').click();
  await progress('step 5 of 5');
  assert.ok(await panel.getByTestId('lesson-text').isVisible());
  assert.deepEqual(playground.errors, []);
});

test('after Back, playing on through the kept history moves the panel to the step whose commands it gives again', async () => {
  const playground = await suite.open(16, { width: 1280, height: 800 }, { colorScheme: 'light' });
  const { page } = playground;
  await playground.startLesson('acks');
  const panel = page.getByTestId('lesson-panel');
  const progress = (text) => page.waitForFunction(
    (want) => document.querySelector('[data-testid=lesson-progress]')?.textContent === want, text)
    .catch(async (error) => {
      const shown = await page.getByTestId('lesson-progress').textContent();
      throw new Error(`wanted ${text}, the panel shows ${shown}: ${error.message}`);
    });
  const micros = async () => Number(await page.getByTestId('clock').getAttribute('data-micros'));
  if ((await page.getByTestId('play').textContent()).includes('Pause')) await playground.play();
  const began = await micros();
  // Step 2 adds producer fire, a second into the run.
  await playground.play();
  await page.waitForFunction((from) => Number(document.querySelector('[data-testid=clock]')?.dataset.micros) > from + 1_000_000, began);
  await playground.play();
  await panel.getByTestId('lesson-next').click();
  await progress('step 2 of 7');
  const producers = page.locator('[data-testid=producer]');
  await producers.first().waitFor();
  await panel.getByTestId('lesson-back').click();
  await progress('step 1 of 7');
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'));
  assert.equal(await producers.count(), 0, 'before step 2 began, fire did not exist');
  // The panel says that the cluster went back, and what Play does now.
  assert.match(await panel.getByTestId('lesson-back-note').textContent(), /^Back: the cluster is as it was when this step began\..*Play replays it/);
  // Played on without acting: the kept history adds fire again, and the panel says step 2.
  await playground.play();
  await producers.first().waitFor();
  await progress('step 2 of 7');
  assert.equal(await producers.count(), 1, 'fire added once');
  assert.equal(await panel.getByTestId('lesson-back-note').count(), 0, 'the note was about step 1');
  assert.deepEqual(playground.errors, []);
});

test('a step that names a consumer is done by hand with the form: the name field takes it', async () => {
  const playground = await suite.open(16);
  await playground.startLesson('consumer-groups');
  const { page } = playground;
  // Empty, the field shows the name the form would give.
  assert.equal(await page.getByTestId('consumer-name').getAttribute('placeholder'), 'consumer-1');
  await page.getByTestId('consumer-name').fill('c1');
  await page.getByTestId('consumer-group').fill('billing');
  await page.getByTestId('consumer-add').click();
  await page.getByTestId('consumer').first().waitFor();
  assert.match(await page.getByTestId('consumer').first().textContent(), /c1/);
  await playground.setSpeed('10×');
  await playground.play();
  await page.waitForFunction(
    () => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 30_000 });
  // The clock stopped where the step was done, so what it waited for is on screen.
  await settles(() => page.getByTestId('play').textContent(), 'Play', 'paused when the step was done');
  assert.match(await page.getByTestId('lesson-status').textContent(),
    /^✓ done: .*\. Paused here so you can look; Next plays on\.$/);
  const stopped = await playground.clock();
  await page.waitForTimeout(300);
  assert.equal(await playground.clock(), stopped, 'the clock stays where the step was done');
  // The same name again is refused, not a second c1.
  await page.getByTestId('consumer-add').click();
  await page.getByTestId('consumer-error').waitFor();
  assert.equal(await page.getByTestId('consumer').count(), 1);
  await page.getByTestId('lesson-next').click();
  await settles(() => page.getByTestId('play').textContent(), 'Pause', 'Next plays on');
  assert.deepEqual(playground.errors, []);
});

test('a lesson mid-way, in English and Korean, light and dark, and at 480 px', async () => {
  for (const [name, viewport, colorScheme] of [
    ['light', { width: 1280, height: 800 }, 'light'],
    ['dark', { width: 1280, height: 800 }, 'dark'],
    ['480', { width: 480, height: 900 }, 'light'],
  ]) {
    const playground = await suite.open(16, viewport, { colorScheme, locale: 'en-US' });
    const { page } = playground;
    await playground.startLesson('preferred-leader');
    const panel = page.getByTestId('lesson-panel');
    await playground.setSpeed('100×');
    await playground.play();
    await panel.getByTestId('lesson-show-me').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 60_000 });
    await panel.getByTestId('lesson-next').click();
    await playground.play();
    assert.equal(await panel.getByTestId('lesson-progress').textContent(), 'step 2 of 3');
    assert.match(await panel.getByTestId('lesson-status').textContent(), /waiting for: broker 1 is in the ISR/);
    assert.equal(await page.locator('[data-lesson-highlight]').count(), 1);
    await page.screenshot({ path: join(screenshots, `lessons-midway-en-${name}.png`) });
    await panel.getByTestId('lesson-lang').click();
    const text = panel.getByTestId('lesson-text');
    assert.equal(await text.getAttribute('lang'), 'ko');
    assert.match(await text.textContent(), /[가-힣]/);
    assert.match(await page.getByTestId('play').textContent(), /Play/, 'the rest of the page stays English');
    await page.screenshot({ path: join(screenshots, `lessons-midway-ko-${name}.png`) });
    // The choice is remembered, and a Korean browser starts in Korean.
    await page.reload();
    await page.getByTestId('lesson-text').waitFor();
    assert.equal(await page.getByTestId('lesson-text').getAttribute('lang'), 'ko');
    assert.deepEqual(playground.errors, []);
  }
  const korean = await suite.open(16, undefined, { locale: 'ko-KR' });
  await korean.startLesson('acks');
  assert.equal(await korean.page.getByTestId('lesson-text').getAttribute('lang'), 'ko');
});

test('the picker lists the basics in order, and a new lesson mid-way reads in Korean', async () => {
  const playground = await suite.open(16, { width: 1280, height: 800 }, { locale: 'ko-KR', colorScheme: 'light' });
  const { page } = playground;
  await page.getByTestId('lessons').click();
  const ids = await page.getByTestId('lesson-choice').evaluateAll((all) => all.map((b) => b.dataset.lesson));
  assert.deepEqual(ids.slice(0, 8), [
    'cluster-parts', 'producer-pipeline', 'keys-and-partitions', 'consumer-groups', 'offsets-and-commits', 'rebalances',
    'consumer-protocol', 'share-groups',
  ]);
  assert.equal(ids.length, 18);
  await page.locator('[data-testid=lesson-choice][data-lesson="transactions"]').click();
  await page.getByTestId('lesson-panel').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'));
  const panel = page.getByTestId('lesson-panel');
  await playground.setSpeed('10×');
  await playground.play();
  await panel.getByTestId('lesson-show-me').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=lesson-next]')?.disabled, null, { timeout: 60_000 });
  await panel.getByTestId('lesson-next').click();
  await playground.play();
  assert.equal(await panel.getByTestId('lesson-progress').textContent(), 'step 2 of 6');
  assert.equal(await panel.getByTestId('lesson-text').getAttribute('lang'), 'ko');
  assert.match(await panel.getByTestId('lesson-text').textContent(), /read_committed/);
  // The open transaction holds the LSO where the page shows it.
  assert.ok(await page.getByTestId('lso').count() > 0, 'the partition shows its last stable offset');
  console.log('screenshot:', await playground.screenshot('lessons-new-midway-ko', { fullPage: false }));
  assert.deepEqual(playground.errors, []);
});

test('a challenge is met by what the reader does, judged from the run, and stays met', async () => {
  const playground = await suite.open(16, { width: 1280, height: 900 }, { colorScheme: 'light' });
  const { page } = playground;
  await page.getByTestId('lessons').click();
  await page.getByTestId('picker-challenges').click();
  assert.equal(await page.getByTestId('challenge-choice').count(), 7);
  console.log('screenshot:', await playground.screenshot('challenges-picker', { fullPage: false }));
  await page.locator('[data-testid=challenge-choice][data-challenge="idle-consumer"]').click();
  const panel = page.getByTestId('challenge-panel');
  await panel.waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'));
  await playground.setSpeed('10×');
  await playground.play();
  // Two consumers share the two partitions: not met.
  for (let i = 0; i < 2; i += 1) await page.getByTestId('consumer-add').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=consumer]')]
    .filter((c) => c.querySelectorAll('[data-testid=owned-partition]').length === 1).length === 2, null, { timeout: 60_000 });
  assert.match(await panel.getByTestId('challenge-status').textContent(), /^not met yet: /);
  // A third one finds nothing left to own.
  await page.getByTestId('consumer-add').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=challenge-status]')?.textContent.startsWith('✓ met'),
    null, { timeout: 60_000 });
  const how = await panel.getByTestId('challenge-how').textContent();
  assert.match(how, /group group-1 is Stable at generation \d+/);
  assert.match(await panel.getByTestId('challenge-config').textContent(), /group group-1: 3 members, 2 partition\(s\) to share/);
  await playground.play();
  console.log('screenshot:', await playground.screenshot('challenge-met', { fullPage: false }));
  // Progress is kept in the browser: after a reload the picker says it was met.
  await page.reload();
  await page.getByTestId('challenge-panel').waitFor();
  assert.match(await page.getByTestId('challenge-status').textContent(), /^✓ met/);
  await page.getByTestId('lessons').click();
  await page.getByTestId('picker-challenges').click();
  assert.match(await page.locator('[data-testid=challenge-choice][data-challenge="idle-consumer"]').textContent(), /✓ met/);
  assert.deepEqual(playground.errors, []);
});
