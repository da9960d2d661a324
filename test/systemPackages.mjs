// The Debian packages the test suites need, checked before any test runs (`npm test` calls this first).
// Missing ones are installed when this process may do so (root with apt-get, or passwordless sudo);
// otherwise the run stops with one message that gives the exact command to run.
// `node test/systemPackages.mjs [suite …]` does the same on its own (.ci/run uses it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One entry per Debian package: which suites need it, why, and how to tell it is there.
 * `present(root)` must be cheap: it runs before every `npm test`.
 */
export const systemPackages = [
  {
    name: 'chromium',
    suites: ['webview', 'e2e'],
    why: 'the headless browser that runs the panel (webview) and the real VS Code (e2e) tests',
    present: () => existsSync(process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'),
  },
  {
    name: 'python3',
    suites: ['unit'],
    why: 'the independent writer and reader of the file-format tests',
    present: () => commandSucceeds('python3', ['--version']),
  },
  {
    name: 'python3-torch',
    suites: ['unit'],
    why: 'the PyTorch RevNet whose state_dict and logits the import tests check against (/usr/bin/python3)',
    present: () => commandSucceeds('/usr/bin/python3', ['-c', 'import torch, numpy']),
  },
  {
    name: 'libkrb5-dev',
    suites: ['e2e'],
    why: "code-server's kerberos module is compiled from source when the e2e set-up first installs it",
    // Only needed for that first install: once code-server is cached in .cache/, the headers are not used.
    present: (root) =>
      existsSync('/usr/include/krb5.h') || existsSync(join(root, '.cache', 'code-server', 'code-server-4.139.1', '.installed')),
  },
];

function commandSucceeds(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/** The packages that the given suites need and that are not there. */
export function missingPackages(suites, root, packages = systemPackages) {
  return packages.filter((pkg) => pkg.suites.some((suite) => suites.includes(suite)) && !pkg.present(root));
}

/**
 * How this process may install Debian packages: 'root' (apt-get as is), 'sudo' (passwordless), or
 * undefined (it may not, or this is not a Debian-like system).
 */
export function installPrivilege({ uid = process.getuid?.(), hasAptGet = commandSucceeds('apt-get', ['--version']), hasSudo } = {}) {
  if (!hasAptGet) return undefined;
  if (uid === 0) return 'root';
  const sudo = hasSudo ?? commandSucceeds('sudo', ['-n', 'true']);
  return sudo ? 'sudo' : undefined;
}

/** The exact command that installs `missing`, for a person to run. */
export function installCommand(missing) {
  const names = missing.map((pkg) => pkg.name).join(' ');
  return `sudo apt-get update && sudo apt-get install -y ${names}`;
}

/** The one message shown when packages are missing and this process cannot install them. */
export function missingMessage(missing, suites) {
  const width = Math.max(...missing.map((pkg) => pkg.name.length));
  const lines = [
    `npm test: ${missing.length === 1 ? 'a Debian package is' : 'Debian packages are'} missing, so no test was run.`,
    ...missing.map((pkg) => `  ${pkg.name.padEnd(width)}  ${pkg.why}`),
    'Install with:',
    `  ${installCommand(missing)}`,
    'then run `npm test` again.',
  ];
  const without = ['unit', 'integration', 'webview', 'e2e'].filter(
    (suite) => suites.includes(suite) && !missing.some((pkg) => pkg.suites.includes(suite)),
  );
  if (without.length > 0 && without.length < suites.length) {
    lines.push(`(The suites that need none of them run with: npm test -- ${without.join(' ')})`);
  }
  return lines.join('\n');
}

function apt(privilege, args) {
  const [command, fullArgs] = privilege === 'sudo' ? ['sudo', ['-n', 'apt-get', ...args]] : ['apt-get', args];
  const result = spawnSync(command, fullArgs, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/**
 * Makes sure the suites' packages are there. Returns true when they are (after installing what it may);
 * false after printing the one message that says what to run.
 */
export function ensureSystemPackages(suites, root, log = console.error) {
  const missing = missingPackages(suites, root);
  if (missing.length === 0) return true;
  const privilege = process.env['REVNET_NO_APT'] ? undefined : installPrivilege();
  if (privilege === undefined) {
    log(missingMessage(missing, suites));
    return false;
  }
  log(`npm test: installing Debian packages with ${privilege === 'sudo' ? 'sudo ' : ''}apt-get (once; set REVNET_NO_APT=1 to be asked instead):`);
  for (const pkg of missing) log(`  ${pkg.name}: ${pkg.why}`);
  const installed =
    apt(privilege, ['update', '-qq']) && apt(privilege, ['install', '-y', '-qq', ...missing.map((pkg) => pkg.name)]);
  const stillMissing = missingPackages(suites, root);
  if (installed && stillMissing.length === 0) return true;
  log(`npm test: apt-get could not install ${(stillMissing.length > 0 ? stillMissing : missing).map((pkg) => pkg.name).join(', ')}.`);
  log(missingMessage(stillMissing.length > 0 ? stillMissing : missing, suites));
  return false;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const root = join(import.meta.dirname, '..');
  const asked = process.argv.slice(2);
  const suites = asked.length > 0 ? asked : ['unit', 'integration', 'webview', 'e2e'];
  process.exit(ensureSystemPackages(suites, root) ? 0 : 1);
}
