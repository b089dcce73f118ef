// End-to-end: the requests inbox in the Agents Playground. A fixture time-off request appears in /requests; the
// manager approves it with a message; the sandbox shows it approved. Its own stack, like playground.test.mjs.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { fill, openBrowser, openPersonalChat, press, screenshot, waitForText } from './lib/client.mjs';
import { ROOT, sandboxControls, startStack } from './lib/stack.mjs';

const FIXTURE = JSON.parse(fs.readFileSync(path.join(ROOT, 'sandbox', 'fixture.json'), 'utf8'));
const TEAM = FIXTURE.teams.find((team) => team.displayName === 'Contoso Retail');
const TIME_OFF = TEAM.timeOffRequests.find((request) => request.state === 'pending');

let stack;

async function storedRequest(collection, id) {
  const response = await fetch(`${stack.sandboxUrl}/_sandbox/teams/${TEAM.id}/${collection}/${id}`);
  assert.equal(response.status, 200);
  return response.json();
}

describe('Requests inbox in the Agents Playground', { timeout: 180_000 }, () => {
  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    if (stack) await stack.stop();
  });

  test('a fixture time-off request is approved from /requests', { timeout: 90_000 }, async (t) => {
    const sandbox = sandboxControls(stack);
    await sandbox.reset();
    const browser = await openBrowser({});
    try {
      const chat = await openPersonalChat(browser.page, stack.playgroundUrl);
      const card = await chat.send('/requests');
      await waitForText(card, 'Requests to approve');
      await waitForText(card, 'Time off · Megan Bowen');
      await waitForText(card, 'Family trip, back on the 27th.');
      await waitForText(card, /Conflicts with 1 of Megan Bowen's shifts/);
      await fill(card, 'Message to Megan Bowen (optional)', 'Enjoy the trip!');
      await screenshot(card, 'requests-inbox');
      // Requests are listed oldest first, time off first among equals: this Approve is the time off's.
      await card.getByRole('button', { name: 'Approve', exact: true }).first().click();
      await waitForText(card, 'Approved. Megan Bowen is told in Shifts.');
      await waitForText(card, 'Your message: Enjoy the trip!', 5000);
      await screenshot(card, 'requests-approved');

      const stored = await storedRequest('timeOffRequests', TIME_OFF.id);
      assert.equal(stored.state, 'approved');
      assert.equal(stored.managerActionMessage, 'Enjoy the trip!');
      const approvals = (await sandbox.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/approve'));
      assert.equal(approvals.length, 1, 'one approve call');
      assert.ok(approvals[0].path.endsWith(`/timeOffRequests/${TIME_OFF.id}/approve`));
    } catch (error) {
      stack.failed = true;
      const shot = path.join(ROOT, 'test-results', 'requests-approve.png');
      fs.mkdirSync(path.dirname(shot), { recursive: true });
      await browser.page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      t.diagnostic(stack.logs());
      throw error;
    } finally {
      await browser.close();
    }
  });
});
