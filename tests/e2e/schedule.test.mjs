// End-to-end, the schedule desk in the Agents Playground: a manager creates a shift, sees it in /schedule, edits
// its end time from there and deletes it; and the fixture week's view (the README's screenshot). The sandbox serves
// sandbox/fixture-week.json. See README.md in this folder for the harness.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { choose, openBrowser, openPersonalChat, pickDate, pickTime, press, screenshot, waitForText } from './lib/client.mjs';
import { ROOT, sandboxControls, startStack } from './lib/stack.mjs';

const TEAM_ID = 'e2a4b6c8-1d3f-4a5b-9c7d-0e1f2a3b4c5d';
const SHIFTS_PATH = `/beta/teams/${TEAM_ID}/schedule/shifts`;
const DAY_MS = 86_400_000;

let stack;
let sandbox;

/** A day far from the fixture week, so that the shift created is the only one that day (YYYY-MM-DD, local). */
function isoDay(offsetDays) {
  const day = new Date(Date.now() + offsetDays * DAY_MS);
  const pad = (n) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

async function writes() {
  return (await sandbox.requests()).filter((r) => ['POST', 'PUT', 'DELETE'].includes(r.method));
}

/** Chooses, in the card's "Shift to change" list, the option that mentions `text`. */
async function pickShift(card, text) {
  const box = card.getByRole('combobox', { name: /^Shift to change/ });
  await box.click();
  await card.page().getByRole('option').filter({ hasText: text }).first().click();
}

describe('The schedule desk in the Agents Playground', { timeout: 240_000 }, () => {
  before(async () => {
    stack = await startStack({ sandboxFixture: path.join(ROOT, 'sandbox', 'fixture-week.json') });
    sandbox = sandboxControls(stack);
  });

  after(async () => {
    if (stack) await stack.stop();
  });

  test('create a shift, see it in /schedule, edit its end time, delete it', { timeout: 180_000 }, async (t) => {
    await sandbox.reset();
    const browser = await openBrowser();
    try {
      const chat = await openPersonalChat(browser.page, stack.playgroundUrl);
      const day = isoDay(60);

      const form = await chat.send('/shift');
      await waitForText(form, 'New shift');
      await choose(form, 'Team member', 'Megan Bowen');
      await choose(form, 'Scheduling group', 'Front desk');
      await pickDate(form, 'Date', day);
      await pickTime(form, 'Start time', '09:00');
      await pickTime(form, 'End time', '17:00');
      await press(form, 'Create shift');
      await waitForText(form, 'Shift published');
      const [created] = (await writes()).filter((w) => w.method === 'POST' && w.path === SHIFTS_PATH);
      assert.equal(created.status, 201);

      const list = await chat.send(`/schedule ${day}`);
      await waitForText(list, '09:00 – 17:00 · Megan Bowen · Front desk');
      await pickShift(list, 'Megan Bowen');
      await press(list, 'Edit');
      await waitForText(list, 'Edit shift');
      await pickTime(list, 'End time', '18:30');
      await press(list, 'Save changes');
      await waitForText(list, 'Shift updated');
      const [put] = (await writes()).filter((w) => w.method === 'PUT');
      assert.equal(put.status, 204);
      assert.match(put.body.sharedShift.endDateTime, /T1[67]:30:00Z$/, 'the new end, 18:30 in Paris, in UTC');

      const again = await chat.send(`/schedule ${day}`);
      await waitForText(again, '09:00 – 18:30 · Megan Bowen · Front desk');
      await pickShift(again, 'Megan Bowen');
      await press(again, 'Delete');
      await waitForText(again, 'Delete this shift?');
      await press(again, 'Delete shift');
      await waitForText(again, 'Shift deleted.');
      await waitForText(again, 'Nothing is scheduled for these days.');
      const deleted = (await writes()).filter((w) => w.method === 'DELETE');
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0].status, 204);
    } catch (error) {
      stack.failed = true;
      throw new Error(`${error.message}\n${stack.logs()}`, { cause: error });
    } finally {
      await browser.close();
    }
  });

  test('the week view of the fixture week', { timeout: 120_000 }, async (t) => {
    if (Date.now() > Date.parse('2027-12-01')) {
      t.diagnostic('the fixture week (December 2026) is more than a year ago: the bot refuses to show it');
      return;
    }
    await sandbox.reset();
    const browser = await openBrowser();
    try {
      const chat = await openPersonalChat(browser.page, stack.playgroundUrl);
      const week = await chat.send('/schedule 2026-12-07 week');
      await waitForText(week, 'Week of Monday 7 December 2026 · times in Europe/Paris');
      await waitForText(week, '25 shifts · 7 drafts · 2 open shifts · 2 times off');
      await waitForText(week, '17:00 – 21:00 · Open shift (2 slots) · Delivery · Evening rounds');
      await screenshot(week, 'schedule-week');
    } catch (error) {
      stack.failed = true;
      throw new Error(`${error.message}\n${stack.logs()}`, { cause: error });
    } finally {
      await browser.close();
    }
  });
});
