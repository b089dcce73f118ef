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
  press,
  screenshot,
  screenshotPage,
  textbox,
  waitForText,
} from './lib/client.mjs';
import { ROOT, sandboxControls, startStack } from './lib/stack.mjs';

const seed = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'data', 'seeds', name), 'utf8')).request;
const SEED_CUSTOMER = seed('create-bookingcustomer.example.json');
const BUSINESS = { id: 'contosolunchdelivery@contoso.com', name: 'Contoso Lunch Delivery' };
const CUSTOMERS_PATH = `/beta/solutions/bookingBusinesses/${encodeURIComponent(BUSINESS.id)}/customers`;

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

describe('Manager Desk in the Agents Playground', { timeout: 240_000 }, () => {
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

  test('a validation error is shown on the card, then corrected', { timeout: 90_000 }, async (t) => {
    await asManager(t, {}, async (chat) => {
      const card = await chat.send('/customer');
      await waitForText(card, EN.title);

      // The client's own checks (isRequired, regex) stop an empty form: nothing reaches the bot.
      const invokesBefore = stack.relay.seen.filter((a) => a.type === 'invoke').length;
      await press(card, EN.create);
      await waitForText(card, "Enter the customer's name.");
      await waitForText(card, 'Enter an email address like name@example.com.');
      assert.equal(stack.relay.seen.filter((a) => a.type === 'invoke').length, invokesBefore, 'no invoke sent');

      // The server's checks: a phone row left without a number.
      await choose(card, EN.business, BUSINESS.name);
      await fill(card, EN.name, 'Lidia Holloway');
      await fill(card, EN.email, 'lidiah@relecloud.com');
      await press(card, EN.addPhone);
      await textbox(card, EN.phone(1)).waitFor();
      await press(card, EN.create);
      await waitForText(card, 'Please fix the highlighted fields.');
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

  test('a French-speaking manager gets French cards', { timeout: 90_000 }, async (t) => {
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
      const locales = new Set(stack.relay.seen.map((a) => a.locale));
      assert.deepEqual([...locales], ['fr-FR'], 'every activity carried the French locale');
    });
  });
});
