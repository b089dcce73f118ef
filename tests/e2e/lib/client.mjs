// Driving the Playground's web UI in Debian's Chromium with playwright-core (never a downloaded browser).
// Every request that is not to localhost/127.0.0.1 is aborted (the UI asks a CDN for fonts; it works without).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A manager's browser: fresh user-data dir, headless Chromium, off-machine requests aborted. */
export async function openBrowser({ locale = 'en-US', timezoneId = 'Europe/Paris' } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`e2e: no Chromium at ${CHROMIUM}; run \`make test\` (installs Debian's chromium) or set E2E_CHROMIUM`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'manager-desk-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, `--lang=${locale}`],
    locale,
    timezoneId,
    viewport: { width: 1280, height: 1000 },
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(15_000);
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (LOCAL_HOSTS.has(url.hostname) || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    blocked.push(url.origin);
    return route.abort();
  });
  const page = context.pages()[0] || (await context.newPage());
  return {
    context,
    page,
    blocked,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The Playground's personal chat with the bot, once the bot's welcome card is shown (so the bot is reachable). */
export async function openPersonalChat(page, playgroundUrl) {
  await page.goto(playgroundUrl);
  await page.getByRole('treeitem', { name: 'Personal Chat' }).click();
  const chat = new Chat(page);
  await chat.cards.first().waitFor({ timeout: 30_000 });
  return chat;
}

export class Chat {
  constructor(page) {
    this.page = page;
    this.cards = page.locator('.ac-adaptiveCard');
    this.compose = page.locator('[data-lexical-editor="true"][role="textbox"]');
  }

  /** Types `text` in the compose box, sends it, and returns the next card the bot posts. */
  async send(text) {
    const before = await this.cards.count();
    await this.compose.click();
    await this.compose.fill(text);
    await this.page.keyboard.press('Enter');
    const card = this.cards.nth(before);
    await card.waitFor();
    return card;
  }
}

/** An input's accessible name is its label, followed by the card's error message once one is shown. */
function labelled(label) {
  return new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`);
}

/** A text input of a card, by its label. */
export function textbox(card, label) {
  return card.getByRole('textbox', { name: labelled(label) });
}

/** Picks `option` in a card's compact ChoiceSet (a Fluent combobox; its list opens outside the card). */
export async function choose(card, label, option) {
  const box = card.getByRole('combobox', { name: labelled(label) });
  await box.click();
  await card.page().getByRole('option', { name: option, exact: true }).click();
  await expectValue(box, option);
}

export async function fill(card, label, value) {
  const box = textbox(card, label);
  await box.fill(value);
  await expectValue(box, value);
}

/** Waits until the input shows `expected` (a string, or a test of what it shows). */
async function expectValue(locator, expected, wanted = expected) {
  const ok = typeof expected === 'function' ? expected : (shown) => shown === expected;
  const deadline = Date.now() + 5000;
  let current;
  while (Date.now() < deadline) {
    current = await locator.inputValue();
    if (ok(current)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`input shows ${JSON.stringify(current)}, not ${JSON.stringify(wanted)}`);
}

/** The input a card's `<label for>` points at. Date and time pickers open popups that hide the rest of the page
 * from the accessibility tree, so these are found through the label element itself. */
async function inputOf(card, label) {
  const element = card.locator('label').filter({ hasText: labelled(label) }).first();
  const id = await element.getAttribute('for');
  return card.locator(`[id="${id}"]`);
}

/** An Input.Date (a Fluent date picker that accepts typed text): `iso` is YYYY-MM-DD. */
export async function pickDate(card, label, iso) {
  const input = await inputOf(card, label);
  await input.click();
  await input.fill(iso);
  await card.page().keyboard.press('Tab');
  const [year, , day] = iso.split('-');
  // It shows the date in words ("March 11, 2019"): check the year and the day are there.
  await expectValue(input, (shown) => shown.includes(year) && new RegExp(`\\b${Number(day)}\\b`).test(shown), iso);
}

/** An Input.Time (a Fluent time picker; free text in 24-hour form is accepted): `hhmm` is HH:MM. */
export async function pickTime(card, label, hhmm) {
  const input = await inputOf(card, label);
  await input.click();
  await input.fill(hhmm);
  await card.page().keyboard.press('Tab');
  const [h, m] = hhmm.split(':').map(Number);
  // It shows "4:00 PM" (en-US) or "16:00": read it back as hours and minutes.
  const same = (shown) => {
    const match = /(\d{1,2})\D(\d{2})(?:\s*([AaPp])\.?\s*[Mm])?/.exec(shown);
    if (!match) return false;
    let hour = Number(match[1]) % (match[3] ? 12 : 24);
    if (match[3] && match[3].toUpperCase() === 'P') hour += 12;
    return hour === h && Number(match[2]) === m;
  };
  await expectValue(input, same, hhmm);
}

/** An Input.Toggle, by its label; `on` true or false. */
export async function toggle(card, label, on) {
  const box = card.getByRole('checkbox', { name: labelled(label) });
  if ((await box.isChecked()) !== on) await box.click();
  if ((await box.isChecked()) !== on) throw new Error(`toggle ${label} did not become ${on}`);
}

export async function press(card, title) {
  await card.getByRole('button', { name: title, exact: true }).click();
}

/** Waits until the card shows `text` (a card replaced in place by the bot keeps its position). */
export async function waitForText(card, text, timeout = 15_000) {
  await card.getByText(text, { exact: typeof text === 'string' }).first().waitFor({ timeout });
}

/** Saves the card as a PNG in E2E_SCREENSHOTS (`make screenshots`); does nothing otherwise. */
export async function screenshot(card, name) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  // A tall card is cut by the chat pane's scroll box: grow the window until the whole card fits, then restore it.
  const page = card.page();
  const viewport = page.viewportSize();
  const { height } = await card.boundingBox();
  if (height + 400 > viewport.height) await page.setViewportSize({ width: viewport.width, height: Math.ceil(height) + 400 });
  await card.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await card.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled' });
  await page.setViewportSize(viewport);
}

/** The whole Playground window (E2E_SCREENSHOTS only). */
export async function screenshotPage(page, name) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled' });
}
