// The preflight of `npm test` (test/systemPackages.mjs): which Debian packages are missing, whether this
// process may install them, and the one message a person gets otherwise — also run as a real process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  installCommand,
  installPrivilege,
  missingMessage,
  missingPackages,
  systemPackages,
} from '../../systemPackages.mjs';

const root = join(__dirname, '..', '..', '..');

const fakePackages = [
  { name: 'chromium', suites: ['webview', 'e2e'], why: 'browser', present: () => false },
  { name: 'python3', suites: ['unit'], why: 'writer', present: () => true },
  { name: 'libkrb5-dev', suites: ['e2e'], why: 'kerberos', present: () => false },
];

describe('npm test preflight: Debian packages', () => {
  test('only the packages of the chosen suites that are absent are missing', () => {
    assert.deepEqual(missingPackages(['unit'], root, fakePackages), []);
    assert.deepEqual(missingPackages(['webview'], root, fakePackages).map((pkg) => pkg.name), ['chromium']);
    assert.deepEqual(missingPackages(['unit', 'e2e'], root, fakePackages).map((pkg) => pkg.name), ['chromium', 'libkrb5-dev']);
  });

  test('installs as root or with passwordless sudo, never without apt-get', () => {
    assert.equal(installPrivilege({ uid: 0, hasAptGet: true }), 'root');
    assert.equal(installPrivilege({ uid: 1000, hasAptGet: true, hasSudo: true }), 'sudo');
    assert.equal(installPrivilege({ uid: 1000, hasAptGet: true, hasSudo: false }), undefined);
    assert.equal(installPrivilege({ uid: 0, hasAptGet: false }), undefined);
  });

  test('the message names every missing package, why, and the exact command', () => {
    const missing = missingPackages(['unit', 'webview', 'e2e'], root, fakePackages);
    const message = missingMessage(missing, ['unit', 'webview', 'e2e']);
    assert.match(message, /^npm test: Debian packages are missing, so no test was run\./);
    assert.match(message, /chromium\s+browser/);
    assert.match(message, /libkrb5-dev\s+kerberos/);
    assert.ok(message.includes('sudo apt-get update && sudo apt-get install -y chromium libkrb5-dev'), message);
    assert.ok(message.includes('npm test -- unit'), 'names the suites that can run without them');
    assert.equal(installCommand(missing), 'sudo apt-get update && sudo apt-get install -y chromium libkrb5-dev');
  });

  test('every suite that needs a system package is a real suite', () => {
    for (const pkg of systemPackages) {
      for (const suite of pkg.suites) assert.ok(['unit', 'integration', 'webview', 'e2e'].includes(suite), `${pkg.name}: ${suite}`);
    }
  });

  test('`npm test` stops before building or testing when chromium is missing and it may not install', () => {
    const result = spawnSync(process.execPath, [join(root, 'test', 'run.mjs'), 'webview'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CHROMIUM_PATH: join(root, 'no-such-chromium'), REVNET_NO_APT: '1' },
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /a Debian package is missing, so no test was run/);
    assert.match(result.stderr, /sudo apt-get update && sudo apt-get install -y chromium\n/);
    assert.doesNotMatch(result.stdout + result.stderr, /esbuild|# tests/, 'nothing was built or run');
  });
});
