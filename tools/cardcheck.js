#!/usr/bin/env node
// Validate Adaptive Cards with the official parser (npm `adaptivecards` 3.0.6), the way the Adaptive Cards
// Designer does it, against Teams' host config and schema version 1.5.
//
//   stdin:  a JSON array of cards (objects)
//   stdout: a JSON array with one entry per card: a list of {phase, event, message, source} errors
//           (phase "parse" or "validate"; an empty list means the card is valid)
//   exit:   0 when the cards were checked (valid or not), 2 on bad input or a missing package.
//
// How errors are told apart from informational events
// ----------------------------------------------------
// The library has no severity field. `SerializationContext` collects the events logged while parsing
// (`ctx.eventCount`, `ctx.getEventAt(i)`), `card.validateProperties()` returns a `ValidationResults` whose
// `validationEvents` are the semantic checks; every event is {source, phase, event, message} where `event` is a
// `ValidationEvent` code. In adaptivecards 3.0.6 the only codes that are not errors are:
//   - ValidationEvent.Hint       (advice, e.g. "don't mix weighted and stretched columns in one ColumnSet")
//   - ValidationEvent.Deprecated (declared, never emitted in 3.0.6)
// Everything else means the card will not render as written: an unknown element or action type (the parser
// drops it; it says "Fallback will be used if present" and logs it even when a fallback exists, which we also
// count as an error since Teams renders 1.5 and every 1.5 type is known), an invalid enum value (the property
// silently reverts to its default), an Input without an id, a duplicate id, an empty ChoiceSet, a ShowCard
// without a card, too many actions for the host, ... `RequiredInputsShouldHaveLabel` and
// `RequiredInputsShouldHaveErrorMessage` are accessibility rules the Designer also lists; we count them as errors.
//
// What the parser does NOT report, so this script adds it (event "CardCheck"):
//   - a top-level `type` other than "AdaptiveCard" when it is missing (the library defaults it silently),
//   - a missing `version` (the library defaults it to the newest), a `version` above 1.5 (Teams' ceiling),
//   - a card that is not a JSON object.
// Action.Execute is a 1.4 action: it parses cleanly at 1.5; parsing at 1.3 would flag it as an unknown action.

'use strict';

const fs = require('fs');
const path = require('path');

const TARGET = '1.5';

function loadLibrary() {
  try {
    // The `lib/` entry (ES modules) does not load under Node 20; the UMD bundle does.
    return require('adaptivecards/dist/adaptivecards.js');
  } catch (err) {
    process.stderr.write(
      'cardcheck: cannot load npm package "adaptivecards" (' + err.message.split('\n')[0] + ').\n' +
      'Run `npm ci --no-audit --no-fund` (or `make node-deps`) in the repository root.\n');
    process.exit(2);
  }
}

const AC = loadLibrary();
const TEAMS_HOST_CONFIG = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'hostconfigs', 'microsoft-teams-light.json'), 'utf8'));

const INFORMATIONAL = new Set([AC.ValidationEvent.Hint, AC.ValidationEvent.Deprecated]);

function phaseName(phase) {
  if (phase === AC.ValidationPhase.Parse) return 'parse';
  if (phase === AC.ValidationPhase.Validation) return 'validate';
  return 'serialize';
}

function sourceName(source) {
  if (source && typeof source.getJsonTypeName === 'function') {
    const id = source.id ? ' #' + source.id : '';
    return source.getJsonTypeName() + id;
  }
  return null;
}

function toError(ev) {
  return {
    phase: phaseName(ev.phase),
    event: AC.ValidationEvent[ev.event] || String(ev.event),
    message: ev.message,
    source: sourceName(ev.source),
  };
}

function own(phase, message) {
  return {phase, event: 'CardCheck', message, source: 'AdaptiveCard'};
}

function versionTuple(v) {
  const m = /^(\d+)\.(\d+)$/.exec(String(v));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function checkCard(json) {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return [own('parse', 'A card must be a JSON object, got ' + (Array.isArray(json) ? 'an array' : typeof json) + '.')];
  }
  const errors = [];
  if (json.type === undefined) {
    errors.push(own('validate', 'Property "type" must be set to "AdaptiveCard".'));
  }
  if (json.version === undefined) {
    errors.push(own('validate', 'Property "version" must be set (Teams renders up to ' + TARGET + ').'));
  } else {
    const v = versionTuple(json.version);
    const max = versionTuple(TARGET);
    if (v && (v[0] > max[0] || (v[0] === max[0] && v[1] > max[1]))) {
      errors.push(own('validate', 'Card version ' + json.version + ' is above ' + TARGET + ', the newest Teams renders.'));
    }
  }

  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(TEAMS_HOST_CONFIG);
  const ctx = new AC.SerializationContext(AC.Versions.v1_5);
  try {
    card.parse(json, ctx);
  } catch (err) {
    errors.push(own('parse', 'The parser threw: ' + err.message));
    return errors;
  }
  for (let i = 0; i < ctx.eventCount; i++) {
    const ev = ctx.getEventAt(i);
    if (!INFORMATIONAL.has(ev.event)) errors.push(toError(ev));
  }
  const results = card.validateProperties();
  for (const ev of results.validationEvents) {
    if (!INFORMATIONAL.has(ev.event)) errors.push(toError(ev));
  }
  return errors;
}

function main() {
  let cards;
  try {
    cards = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (err) {
    process.stderr.write('cardcheck: stdin is not JSON: ' + err.message + '\n');
    process.exit(2);
  }
  if (!Array.isArray(cards)) {
    process.stderr.write('cardcheck: stdin must be a JSON array of cards\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(cards.map(checkCard)) + '\n');
}

if (require.main === module) {
  main();
}

module.exports = {checkCard};
