// Secrets never appear in anything the shim prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretName, redact as redactUriCredentials, shownEnvironment } from '../build/redaction.js';

test('secret names: SECRET, TOKEN, PASSWORD, KEY anywhere; PAT as a word (PATH stays readable)', () => {
  for (const name of ['HASURA_SERVICE_TOKEN_SECRET', 'GITHUB_TOKEN', 'DB_PASSWORD', 'API_KEY', 'apikey', 'HASURA_PLUGIN_DDN_PAT', 'PAT', 'MY_PAT_VALUE']) {
    assert.equal(isSecretName(name), true, name);
  }
  for (const name of ['PATH', 'PATHEXT', 'HOME', 'HASURA_CONNECTOR_PORT', 'RUST_LOG', 'PATTERN']) assert.equal(isSecretName(name), false, name);
});

test('credentials inside URIs are hidden wherever they appear', () => {
  assert.equal(redactUriCredentials('postgres://user:s3cret@db:5432/x'), 'postgres://user:<redacted>@db:5432/x');
  assert.equal(redactUriCredentials('--url=mongodb+srv://tok@h/x and https://a:b@c'), '--url=mongodb+srv://<redacted>@h/x and https://a:<redacted>@c');
  assert.equal(redactUriCredentials('http://host:8080/path'), 'http://host:8080/path');
  assert.deepEqual(shownEnvironment({ CONNECTION_URI: 'postgres://u:p@h/db', HASURA_SERVICE_TOKEN_SECRET: 'abc', PATH: '/bin' }),
    { CONNECTION_URI: '<hidden: 19 characters>', HASURA_SERVICE_TOKEN_SECRET: '<hidden: 3 characters>', PATH: '/bin' });
});
