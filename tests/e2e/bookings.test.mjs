// End-to-end, the Bookings desk: in the Agents Playground (headless Chromium), a manager creates a customer, finds
// them with /customers, fixes their phone, books them an appointment and sees it in /agenda. Checks what the
// manager sees and what the Graph sandbox received. Its own stack, like playground.test.mjs (see README.md there).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { choose, fill, openBrowser, openPersonalChat, pickDate, pickTime, press, screenshot, textbox, waitForText } from './lib/client.mjs';
import { ROOT, sandboxControls, startStack } from './lib/stack.mjs';

const BUSINESS = { id: 'contosolunchdelivery@contoso.com', name: 'Contoso Lunch Delivery' };
const BUSINESS_PATH = `/beta/solutions/bookingBusinesses/${encodeURIComponent(BUSINESS.id)}`;
const MEGAN_STAFF = 'e7f8a9b0-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
const TASTING = '57da6774-a087-4d69-b0e6-6fb82c339976';

let stack;
let sandbox;

async function calls(method, suffix) {
  return (await sandbox.requests()).filter((r) => r.method === method && r.path.toLowerCase().endsWith(suffix.toLowerCase()));
}

describe('The Bookings desk in the Agents Playground', { timeout: 240_000 }, () => {
  before(async () => {
    stack = await startStack();
    sandbox = sandboxControls(stack);
  });

  after(async () => {
    if (stack) await stack.stop();
  });

  test('create a customer, find them, fix the phone, book, see it in /agenda', { timeout: 150_000 }, async (t) => {
    await sandbox.reset();
    const browser = await openBrowser({ locale: 'en-US' });
    try {
      const chat = await openPersonalChat(browser.page, stack.playgroundUrl);

      const created = await chat.send('/customer');
      await waitForText(created, 'New customer');
      await choose(created, 'Bookings business', BUSINESS.name);
      await fill(created, 'Name', 'Alex Wilber');
      await fill(created, 'Email address', 'alexw@contoso.com');
      await press(created, 'Add phone');
      await textbox(created, 'Number (phone 1)').waitFor();
      await fill(created, 'Number (phone 1)', '425 555 0100');
      await press(created, 'Create');
      await waitForText(created, 'Customer created');

      const before = (await sandbox.requests()).length;
      const found = await chat.send('/customers alex wilber');
      await waitForText(found, '1 customer found.');
      await waitForText(found, 'alexw@contoso.com');
      await screenshot(found, 'bookings-search');
      const searched = (await sandbox.requests()).slice(before);
      assert.ok(searched.length > 0 && searched.every((r) => r.method === 'GET' && r.queryString === ''), 'the search text is never sent to Graph');

      await press(found, 'Edit');
      await waitForText(found, 'Edit customer');
      assert.equal(await textbox(found, 'Number (phone 1)').inputValue(), '425 555 0100');
      await fill(found, 'Number (phone 1)', '425 555 0199');
      await press(found, 'Save');
      await waitForText(found, 'Customer updated');
      await waitForText(found, '425 555 0199 (Mobile)');
      const [patch] = await calls('PATCH', '');
      assert.deepEqual(patch.body.phones, [{ number: '425 555 0199', type: 'mobile' }]);

      await press(found, 'Book');
      await waitForText(found, 'Book an appointment');
      await choose(found, 'Service (required)', 'Lunch tasting (30 min)');
      await choose(found, 'Staff member (required)', 'Megan Bowen');
      await pickDate(found, 'Date (required)', '2026-12-07');
      await pickTime(found, 'Start time (required)', '11:00');
      await screenshot(found, 'bookings-book');
      await press(found, 'Book');
      await waitForText(found, 'Appointment booked');
      await waitForText(found, 'Monday, December 7, 2026, 11:00–11:30 (Europe/Paris)');
      const posts = await calls('POST', '/appointments');
      assert.equal(posts.length, 1, 'exactly one appointment POST');
      assert.equal(posts[0].status, 201);
      assert.equal(posts[0].body.serviceId, TASTING);
      assert.deepEqual(posts[0].body.staffMemberIds, [MEGAN_STAFF]);
      assert.equal(posts[0].body.start.dateTime, '2026-12-07T10:00:00.0000000+00:00');
      assert.equal(posts[0].body.customers[0].phone, '425 555 0199', 'booked with the fixed phone');

      const agenda = await chat.send('/agenda 2026-12-07');
      await waitForText(agenda, 'Monday, December 7, 2026');
      await waitForText(agenda, '5 appointments.');
      await waitForText(agenda, '11:00–11:30');
      await waitForText(agenda, 'Alex Wilber');
      await screenshot(agenda, 'bookings-agenda');
      const views = await calls('GET', '/calendarView');
      assert.ok(views.some((r) => r.path === `${BUSINESS_PATH}/calendarView`));
    } catch (error) {
      stack.failed = true;
      const shot = path.join(ROOT, 'test-results', 'bookings-desk.png');
      fs.mkdirSync(path.dirname(shot), { recursive: true });
      await browser.page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      throw new Error(`${error.message}\n(page: ${shot})\n${stack.logs()}`, { cause: error });
    } finally {
      await browser.close();
    }
  });
});
