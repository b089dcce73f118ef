// End-to-end: a manager in the Microsoft 365 Agents Playground (a Teams-like web client, driven in headless
// Chromium) talks to the real bot, which calls the Graph sandbox. One stack for the run; each scenario starts from
// a reset sandbox and a fresh browser profile, and checks both what the manager sees and what the sandbox received.
//
//   node --test tests/e2e/           (`make e2e`; `make test` runs it after pytest)
//   E2E_SCREENSHOTS=docs/screenshots node --test tests/e2e/    (`make screenshots`)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  choose,
  fill,
  openBrowser,
  openPersonalChat,
  pickDate,
  pickTime,
  press,
  screenshot,
  screenshotPage,
  textbox,
  toggle,
  waitForText,
} from './lib/client.mjs';
import { ROOT, sandboxControls, startStack } from './lib/stack.mjs';

const seed = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'data', 'seeds', name), 'utf8')).request;
const SEED_CUSTOMER = seed('create-bookingcustomer.example.json');
const SEED_SHIFT = seed('create-shift.example.json');
const TEAM = { id: 'e2a4b6c8-1d3f-4a5b-9c7d-0e1f2a3b4c5d', name: 'Contoso Retail' };
const SHIFTS_PATH = `/beta/teams/${TEAM.id}/schedule/shifts`;
// The seed shift as a manager in Paris types it (the Playground runs with TZ=Europe/Paris; CET is UTC+1 in March).
const SEED_SHIFT_TYPED = {
  member: 'Megan Bowen', // c5d0c76b-80c4-481c-be50-923cd8d680a1 in the sandbox's team
  group: 'Front desk', // TAG_228940ed-ff84-4e25-b129-1b395cf78be0
  date: '2019-03-11',
  start: '16:00', // 15:00Z
  end: '01:00', // 00:00Z the next day
  label: 'Day shift',
  notes: 'Please do inventory as part of your shift.',
  colour: 'blue',
  breaks: [{ name: 'Lunch', start: '16:00', end: '16:15', paid: true }],
};
const BUSINESS = { id: 'contosolunchdelivery@contoso.com', name: 'Contoso Lunch Delivery' };
const CUSTOMERS_PATH = `/beta/solutions/bookingBusinesses/${encodeURIComponent(BUSINESS.id)}/customers`;
const BOOKINGS_PATH = `/beta/solutions/bookingBusinesses/${encodeURIComponent(BUSINESS.id)}`;
const MEGAN_STAFF = 'e7f8a9b0-1c2d-4e3f-8a9b-0c1d2e3f4a5b'; // Megan Bowen, staff of Contoso Lunch Delivery
const TASTING = '57da6774-a087-4d69-b0e6-6fb82c339976'; // Lunch tasting, 30 minutes

let stack;
let sandbox;

/** One manager's session: a fresh browser on the Playground's personal chat; on failure, logs are attached. */
async function asManager(t, { locale = 'en-US' } = {}, body) {
  await sandbox.reset();
  stack.relay.locale = locale.startsWith('en') ? null : locale;
  stack.relay.seen.length = 0;
  const browser = await openBrowser({ locale });
  try {
    const chat = await openPersonalChat(browser.page, stack.playgroundUrl);
    await body(chat, browser);
    const offMachine = browser.blocked.filter((origin) => !/^https?:\/\/[^/]*\.(?:cdn\.office\.net|microsoft\.com)$/.test(origin));
    if (offMachine.length) t.diagnostic(`aborted off-machine requests: ${[...new Set(offMachine)].join(', ')}`);
  } catch (error) {
    stack.failed = true;
    const shot = path.join(ROOT, 'test-results', `${t.name.replace(/\W+/g, '-').replace(/^-|-$/g, '')}.png`);
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await browser.page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    throw new Error(`${error.message}\n(page: ${shot})\n${stack.logs()}`, { cause: error });
  } finally {
    stack.relay.locale = null;
    await browser.close();
  }
}

/** The sandbox's requests with this method whose path ends with `suffix` (any case). */
async function calls(method, suffix) {
  return (await sandbox.requests()).filter((r) => r.method === method && r.path.toLowerCase().endsWith(suffix.toLowerCase()));
}

async function posts(pathname) {
  return (await sandbox.requests()).filter((r) => r.method === 'POST' && r.path.toLowerCase() === pathname.toLowerCase());
}

/** Fills the New customer card with `customer` (a Graph bookingCustomer body), row by row, by the labels. */
async function fillCustomer(card, customer, labels) {
  await choose(card, labels.business, BUSINESS.name);
  await fill(card, labels.name, customer.displayName);
  await fill(card, labels.email, customer.emailAddress);
  for (const [i, address] of customer.addresses.entries()) {
    const n = i + 1;
    await press(card, labels.addAddress);
    await textbox(card, labels.street(n)).waitFor();
    await fill(card, labels.street(n), address.street);
    await fill(card, labels.city(n), address.city);
    await fill(card, labels.state(n), address.state);
    await fill(card, labels.postalCode(n), address.postalCode);
    await fill(card, labels.country(n), address.countryOrRegion);
    await choose(card, labels.addressType(n), labels.addressTypes[address.type]);
  }
  for (const [i, phone] of customer.phones.entries()) {
    const n = i + 1;
    await press(card, labels.addPhone);
    await textbox(card, labels.phone(n)).waitFor();
    await fill(card, labels.phone(n), phone.number);
    await choose(card, labels.phoneType(n), labels.phoneTypes[phone.type]);
  }
}

const EN = {
  title: 'New customer',
  business: 'Bookings business',
  name: 'Name',
  email: 'Email address',
  addAddress: 'Add address',
  street: (n) => `Street (address ${n})`,
  city: (n) => `City (address ${n})`,
  state: (n) => `State or province (address ${n})`,
  postalCode: (n) => `Postal code (address ${n})`,
  country: (n) => `Country or region (address ${n})`,
  addressType: (n) => `Type (address ${n})`,
  addressTypes: { home: 'Home', business: 'Business', other: 'Other' },
  addPhone: 'Add phone',
  phone: (n) => `Number (phone ${n})`,
  phoneType: (n) => `Type (phone ${n})`,
  phoneTypes: { home: 'Home', business: 'Business', mobile: 'Mobile' },
  create: 'Create',
  done: 'Customer created',
};

const FR = {
  title: 'Nouveau client',
  business: 'Entreprise Bookings',
  name: 'Nom',
  email: 'Adresse e-mail',
  addAddress: 'Ajouter une adresse',
  street: (n) => `Rue (adresse ${n})`,
  city: (n) => `Ville (adresse ${n})`,
  state: (n) => `État ou province (adresse ${n})`,
  postalCode: (n) => `Code postal (adresse ${n})`,
  country: (n) => `Pays ou région (adresse ${n})`,
  addressType: (n) => `Type (adresse ${n})`,
  addressTypes: { home: 'Domicile', business: 'Professionnelle', other: 'Autre' },
  addPhone: 'Ajouter un téléphone',
  phone: (n) => `Numéro (téléphone ${n})`,
  phoneType: (n) => `Type (téléphone ${n})`,
  phoneTypes: { home: 'Domicile', business: 'Professionnel', mobile: 'Mobile' },
  create: 'Créer',
  done: 'Client créé',
};

/** Fills the New shift card by its labels (`typed`: what a manager in Paris types). */
async function fillShift(card, typed, labels) {
  await choose(card, labels.member, typed.member);
  await choose(card, labels.group, typed.group);
  await pickDate(card, labels.date, typed.date);
  await pickTime(card, labels.start, typed.start);
  await pickTime(card, labels.end, typed.end);
  await fill(card, labels.label, typed.label);
  if (typed.notes) await fill(card, labels.notes, typed.notes);
  await choose(card, labels.colour, labels.colours[typed.colour]);
  for (const [i, pause] of (typed.breaks || []).entries()) {
    const n = i + 1;
    await press(card, labels.addBreak);
    await textbox(card, labels.breakName(n)).waitFor();
    await fill(card, labels.breakName(n), pause.name);
    await pickTime(card, labels.breakStart(n), pause.start);
    await pickTime(card, labels.breakEnd(n), pause.end);
    await toggle(card, labels.breakPaid(n), pause.paid);
  }
  assert.ok(await card.getByRole('radio', { name: labels.publish }).isChecked(), 'publish now is the default');
}

const SHIFT_EN = {
  title: 'New shift',
  member: 'Team member',
  group: 'Scheduling group',
  date: 'Date',
  start: 'Start time',
  end: 'End time',
  label: 'Label',
  notes: 'Notes',
  colour: 'Colour',
  colours: { blue: 'Blue', green: 'Green' },
  addBreak: 'Add break',
  breakName: (n) => `Break ${n} name`,
  breakStart: (n) => `Break ${n} start`,
  breakEnd: (n) => `Break ${n} end`,
  breakPaid: (n) => `Break ${n} paid`,
  publish: 'Publish now (the team sees it)',
  create: 'Create shift',
  anyway: 'Create anyway',
  past: /^This shift starts in the past/,
  done: 'Shift published',
};

const SHIFT_FR = {
  title: 'Nouveau poste',
  member: "Membre de l'équipe",
  group: 'Groupe de planification',
  date: 'Date',
  start: 'Heure de début',
  end: 'Heure de fin',
  label: 'Libellé',
  notes: 'Notes',
  colour: 'Couleur',
  colours: { blue: 'Bleu', green: 'Vert' },
  addBreak: 'Ajouter une pause',
  breakName: (n) => `Nom de la pause ${n}`,
  breakStart: (n) => `Début de la pause ${n}`,
  breakEnd: (n) => `Fin de la pause ${n}`,
  breakPaid: (n) => `Pause ${n} payée`,
  publish: "Publier maintenant (l'équipe le voit)",
  create: 'Créer le poste',
  anyway: 'Créer quand même',
  past: /^Ce poste commence dans le passé/,
  done: 'Poste publié',
};

/** Create, for a shift dated in the past (the seed's 2019 date): the bot asks first, the manager confirms. */
async function createPastShift(card, labels, shot) {
  await press(card, labels.create);
  await waitForText(card, labels.past);
  if (shot) await screenshot(card, shot);
  await press(card, labels.anyway);
}

describe('Manager Desk in the Agents Playground', { timeout: 420_000 }, () => {
  before(async () => {
    stack = await startStack();
    sandbox = sandboxControls(stack);
  });

  after(async () => {
    if (stack) await stack.stop();
  });

  test('/help shows the help card', { timeout: 60_000 }, async (t) => {
    await asManager(t, {}, async (chat) => {
      const card = await chat.send('/help');
      await waitForText(card, 'Manager Desk');
      for (const command of ['/customer', '/shift', '/help']) await waitForText(card, command);
      await screenshot(card, 'help');
      await screenshotPage(chat.page, 'playground');
      assert.deepEqual(await sandbox.requests(), [], 'help needs no Graph call');
    });
  });

  test('/customer: the seed customer typed into the card is created', { timeout: 90_000 }, async (t) => {
    await asManager(t, {}, async (chat) => {
      const card = await chat.send('/customer');
      await waitForText(card, EN.title);
      await fillCustomer(card, SEED_CUSTOMER, EN);
      await screenshot(card, 'customer-form');
      assert.deepEqual(await posts(CUSTOMERS_PATH), [], 'nothing is created before Create');

      await press(card, EN.create);
      await waitForText(card, EN.done);
      await waitForText(card, SEED_CUSTOMER.displayName);
      await waitForText(card, SEED_CUSTOMER.emailAddress);
      await waitForText(card, '4567 Main Street, Buffalo, NY, 98052, USA (Home)');
      await waitForText(card, '206-555-0200 (Business)');
      await screenshot(card, 'customer-confirmation');

      const created = await posts(CUSTOMERS_PATH);
      assert.equal(created.length, 1, 'exactly one customer POST');
      assert.equal(created[0].status, 201);
      assert.deepEqual(created[0].body, SEED_CUSTOMER, 'the body is the seed request, field for field');
    });
  });

  test('/shift: the seed shift typed into the card is published', { timeout: 90_000 }, async (t) => {
    await asManager(t, {}, async (chat) => {
      const card = await chat.send('/shift');
      await waitForText(card, SHIFT_EN.title);
      await waitForText(card, /^Times are in Europe\/Paris\./, 5000);
      await fillShift(card, SEED_SHIFT_TYPED, SHIFT_EN);
      await screenshot(card, 'shift-form');
      assert.deepEqual(await posts(SHIFTS_PATH), [], 'nothing is posted before Create shift');

      await createPastShift(card, SHIFT_EN, 'shift-checks');
      await waitForText(card, SHIFT_EN.done);
      await waitForText(card, SEED_SHIFT_TYPED.member);
      await waitForText(card, SEED_SHIFT_TYPED.group);
      await waitForText(card, SEED_SHIFT_TYPED.label);
      await waitForText(card, '16:00 – 01:00 next day (Europe/Paris)');
      await waitForText(card, 'Lunch, 16:00 – 16:15, paid');
      await waitForText(card, 'Shift ID');
      await screenshot(card, 'shift-confirmation');

      const created = await posts(SHIFTS_PATH);
      assert.equal(created.length, 1, 'exactly one shift POST');
      assert.equal(created[0].status, 201);
      const body = created[0].body;
      assert.equal(body.userId, SEED_SHIFT.userId);
      assert.equal(body.schedulingGroupId, SEED_SHIFT.schedulingGroupId);
      assert.deepEqual(body.sharedShift, SEED_SHIFT.sharedShift, "the seed's sharedShift, field for field, in UTC");
      assert.equal(body.draftShift, null, 'published: no draft copy');
      const headers = Object.keys(created[0].headers).map((h) => h.toLowerCase());
      assert.ok(!headers.includes('ms-app-acts-as'), 'no MS-APP-ACTS-AS header');
    });
  });

  test('a validation error is shown under its field by the server, then corrected', { timeout: 90_000 }, async (t) => {
    await asManager(t, {}, async (chat) => {
      const card = await chat.send('/customer');
      await waitForText(card, EN.title);

      // No client-side check: Create on an empty form reaches the bot, whose messages go under the fields.
      await press(card, EN.create);
      await waitForText(card, 'Please fix the highlighted fields.');
      await waitForText(card, "Enter the customer's name.");
      await waitForText(card, "Enter the customer's email address.");

      // The server's checks: a phone row left without a number.
      await choose(card, EN.business, BUSINESS.name);
      await fill(card, EN.name, 'Lidia Holloway');
      await fill(card, EN.email, 'lidiah@relecloud.com');
      await press(card, EN.addPhone);
      await textbox(card, EN.phone(1)).waitFor();
      await press(card, EN.create);
      await waitForText(card, 'Enter a phone number, or remove this phone.');
      await screenshot(card, 'validation-error');
      assert.deepEqual(await posts(CUSTOMERS_PATH), [], 'an invalid form creates nothing');
      assert.equal(await textbox(card, EN.name).inputValue(), 'Lidia Holloway', 'what was typed is kept');

      await fill(card, EN.phone(1), '+1 425 555 0143');
      await press(card, EN.create);
      await waitForText(card, EN.done);
      await waitForText(card, '+1 425 555 0143 (Mobile)');
      const created = await posts(CUSTOMERS_PATH);
      assert.equal(created.length, 1);
      assert.deepEqual(created[0].body.phones, [{ number: '+1 425 555 0143', type: 'mobile' }]);
      assert.equal(created[0].body.displayName, 'Lidia Holloway');
    });
  });

  // Each of these was blocked by the host's own isRequired/regex checks before the form stopped carrying them.
  test('customer: Add address first on a fresh form adds a row; a phone holding an invalid number can be removed', { timeout: 90_000 }, async (t) => {
    await asManager(t, {}, async (chat, browser) => {
      const card = await chat.send('/customer');
      await waitForText(card, EN.title);
      await press(card, EN.addAddress);
      await textbox(card, EN.street(1)).waitFor({ timeout: 10_000 });

      await fill(card, EN.name, 'Lidia Holloway');
      await press(card, EN.addPhone);
      await textbox(card, EN.phone(1)).waitFor();
      await fill(card, EN.phone(1), 'call me maybe');
      await press(card, 'Remove phone 1');
      await waitForText(card, 'No phone yet.', 10_000);
      assert.equal(await textbox(card, EN.name).inputValue(), 'Lidia Holloway', 'what was typed is kept');
      assert.equal(await textbox(card, EN.street(1)).count(), 1, 'the address row is still there');
      assert.deepEqual(await posts(CUSTOMERS_PATH), []);

      // Text from the manager is shown as written: no link, no heading, no image for the client to fetch.
      const name = '**x** [y](https://evil.example) <img src="https://evil.example/pixel.png">';
      await press(card, 'Remove address 1');
      await waitForText(card, 'No address yet.', 10_000);
      await choose(card, EN.business, BUSINESS.name);
      await fill(card, EN.name, name);
      await fill(card, EN.email, 'lidiah@relecloud.com');
      await press(card, EN.create);
      await waitForText(card, EN.done);
      await waitForText(card, name);
      assert.equal(await chat.page.locator('.ac-adaptiveCard a[href*="evil.example"], .ac-adaptiveCard img[src*="evil.example"]').count(), 0);
      assert.ok(!browser.blocked.some((origin) => origin.includes('evil.example')), 'nothing was fetched from evil.example');
    });
  });

  test('shift: Add break first on a fresh form, remove an empty break, switch team without a member', { timeout: 90_000 }, async (t) => {
    await asManager(t, {}, async (chat) => {
      // A second team with Shifts ready, so that the form offers "Load this team".
      const other = '9e7752d5-6e9f-46bb-9e51-db7474f95cdf';
      const schedule = { id: other, enabled: true, timeZone: 'America/Chicago', provisionStatus: 'Completed' };
      await sandbox.inject({ status: 200, body: schedule, count: 10, match: `GET .*/${other}/schedule$` });
      const prep = { id: 'TAG_prep', displayName: 'Prep', isActive: true, userIds: [] };
      await sandbox.inject({ status: 200, body: { value: [prep] }, count: 10, match: `/${other}/schedule/schedulingGroups` });

      const card = await chat.send('/shift');
      await waitForText(card, SHIFT_EN.title);
      await press(card, SHIFT_EN.addBreak);
      await textbox(card, SHIFT_EN.breakName(1)).waitFor({ timeout: 10_000 });
      await fill(card, SHIFT_EN.label, 'kept');
      await press(card, 'Remove break 1');
      await waitForText(card, 'No breaks yet.', 10_000);
      assert.equal(await textbox(card, SHIFT_EN.label).inputValue(), 'kept');

      await choose(card, 'Team (required)', 'Contoso Kitchen Ops');
      await press(card, 'Load this team');
      await waitForText(card, 'Showing the members and scheduling groups of Contoso Kitchen Ops.', 10_000);
      assert.equal(await textbox(card, SHIFT_EN.label).inputValue(), 'kept', 'what was typed is kept');
      assert.deepEqual(await posts(SHIFTS_PATH), []);
    });
  });

  test('a French-speaking manager gets French cards', { timeout: 120_000 }, async (t) => {
    await asManager(t, { locale: 'fr-FR' }, async (chat) => {
      const help = await chat.send('/aide');
      await waitForText(help, '/client');

      const card = await chat.send('/client');
      await waitForText(card, FR.title);
      const customer = { ...SEED_CUSTOMER, addresses: SEED_CUSTOMER.addresses.slice(0, 1), phones: SEED_CUSTOMER.phones.slice(0, 1) };
      await fillCustomer(card, customer, FR);
      await screenshot(card, 'customer-form-fr');
      await press(card, FR.create);
      await waitForText(card, FR.done);
      await waitForText(card, '4567 Main Street, Buffalo, NY, 98052, USA (Domicile)');
      await waitForText(card, 'ID du client');

      const created = await posts(CUSTOMERS_PATH);
      assert.equal(created.length, 1);
      assert.deepEqual(created[0].body, customer);

      const shiftCard = await chat.send('/poste');
      await waitForText(shiftCard, SHIFT_FR.title);
      await waitForText(shiftCard, /^Heures dans le fuseau Europe\/Paris\./, 5000);
      const typed = { member: 'Alex Wilber', group: 'Kitchen', date: '2026-07-14', start: '22:00', end: '06:00', label: 'Nuit', colour: 'green' };
      await fillShift(shiftCard, typed, SHIFT_FR);
      await screenshot(shiftCard, 'shift-form-fr');
      await createPastShift(shiftCard, SHIFT_FR);
      await waitForText(shiftCard, SHIFT_FR.done);
      await waitForText(shiftCard, '22:00 – 06:00 le lendemain (Europe/Paris)');
      await waitForText(shiftCard, 'ID du poste');
      await screenshot(shiftCard, 'shift-confirmation-fr');
      const shifts = await posts(SHIFTS_PATH);
      assert.equal(shifts.length, 1);
      // An overnight shift in Paris summer time (UTC+2): 22:00 -> 06:00 the next day.
      assert.equal(shifts[0].body.sharedShift.startDateTime, '2026-07-14T20:00:00Z');
      assert.equal(shifts[0].body.sharedShift.endDateTime, '2026-07-15T04:00:00Z');
      assert.equal(shifts[0].body.sharedShift.displayName, 'Nuit');
      assert.equal(shifts[0].body.sharedShift.theme, 'green');

      const locales = new Set(stack.relay.seen.map((a) => a.locale));
      assert.deepEqual([...locales], ['fr-FR'], 'every activity carried the French locale');
    });
  });

  test('Bookings desk: create a customer, find them, fix the phone, book, see it in /agenda', { timeout: 120_000 }, async (t) => {
    await asManager(t, {}, async (chat) => {
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

      const logged = (await sandbox.requests()).length;
      const found = await chat.send('/customers alex wilber');
      await waitForText(found, '1 customer found.');
      await waitForText(found, 'alexw@contoso.com');
      await screenshot(found, 'bookings-search');
      const searched = (await sandbox.requests()).slice(logged);
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
      assert.ok(views.some((r) => r.path === `${BOOKINGS_PATH}/calendarView`));
    });
  });
});
