#!/usr/bin/env node
// Second opinion on a Teams app manifest: validate it the way npm @microsoft/app-manifest 1.1.2 does offline
// (`ManifestUtil.validateManifestAgainstSchema`: Ajv for draft-04, allErrors, strictTypes off, formats uri, email,
// regex), against a bundled schema. That package's own entry point cannot be required (it needs `fs-extra`, which
// it does not declare), so this repeats its few lines with its own dependencies.
//
//   node tools/manifestcheck.js <schema.json>  < manifest.json   ->  stdout: JSON array of error strings
//
// Only for MicrosoftTeams.schema.json: Ajv compiles patterns with the `u` flag and the bundled localization schema
// has a pattern (`...\b]\.description$`) that is not a valid unicode regular expression, so Ajv refuses it;
// the Python tests validate the localization file with jsonschema.

'use strict';

const fs = require('fs');

let Ajv;
let addFormats;
try {
  Ajv = require('ajv-draft-04');
  addFormats = require('ajv-formats');
} catch (err) {
  process.stderr.write('manifestcheck: ' + err.message.split('\n')[0] + '\nRun `npm ci --no-audit --no-fund`.\n');
  process.exit(2);
}

const schemaPath = process.argv[2];
if (!schemaPath) {
  process.stderr.write('usage: node tools/manifestcheck.js <schema.json> < manifest.json\n');
  process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const manifest = JSON.parse(fs.readFileSync(0, 'utf8'));

const ajv = new Ajv({allErrors: true, strictTypes: false});
addFormats(ajv, ['uri', 'email', 'regex']);
const validate = ajv.compile(schema);
const errors = validate(manifest) ? [] : validate.errors.map(
  (e) => `${e.instancePath || '(root)'} ${e.message || ''} ${e.params ? JSON.stringify(e.params) : ''}`.trim());
process.stdout.write(JSON.stringify(errors) + '\n');
