// The .vsix that `npm run package` makes (here from the already built dist/): the bundles, the wasm
// files, the built-in digits, the schema and the media are in it; sources, source maps, tests and node_modules are not.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, describe, test } from 'node:test';

const root = join(__dirname, '..', '..');

/** The names in a zip file, read from its central directory. */
function zipEntries(zip: Buffer): string[] {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, 'no end-of-central-directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, `bad central directory entry ${i}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('the .vsix package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revnet-vsix-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('holds the bundles, wasm files, digits, schema and media, and nothing else of the repo', () => {
    const out = join(dir, 'revnet.vsix');
    const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const names = zipEntries(readFileSync(out));
    for (const wanted of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/engine.js',
      // the data-parallel training worker the engine starts (engine/parallel)
      'extension/dist/stepWorker.js',
      'extension/dist/webview.js',
      'extension/dist/tfjs-backend-wasm.wasm',
      'extension/dist/tfjs-backend-wasm-simd.wasm',
      'extension/dist/mnist-digits.bin.gz',
      'extension/schema/revnet.schema.json',
      'extension/media/icons/revnet.png',
    ]) {
      assert.ok(names.includes(wanted), `${wanted} missing from the .vsix: ${names.join(', ')}`);
    }
    const unwanted = names.filter((n) => /\.ts$|\.map$|node_modules\/|^extension\/(test|engine|extension|protocol|webview|bench)\//.test(n));
    assert.deepEqual(unwanted, []);
    // the details page is the packaged README: it opens with how to use the extension, and its links (and those of
    // the docs it links to) resolve inside the package
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.equal(/^## (.*)$/m.exec(readme)?.[1], 'Using it in VS Code', 'the README\'s first section is not about using the extension');
    // vsce stores the README as extension/readme.md
    const markdown = names.filter((n) => /^extension\/(readme\.md|docs\/[^/]+\.md)$/i.test(n));
    assert.ok(markdown.includes('extension/readme.md') && markdown.some((n) => n.startsWith('extension/docs/')), markdown.join(', '));
    for (const file of markdown) {
      const source = file === 'extension/readme.md' ? 'README.md' : file.replace(/^extension\//, '');
      const text = readFileSync(join(root, source), 'utf8').replace(/```[\s\S]*?```/g, '');
      const folder = file.slice(0, file.lastIndexOf('/'));
      for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const resolved = normalize(join(folder, target));
        assert.ok(names.includes(resolved), `${file} links to ${target}, which is not in the .vsix`);
      }
    }
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; contributes: { jsonValidation: { url: string }[] } };
    assert.equal(manifest.main, './dist/extension.js');
    for (const validation of manifest.contributes.jsonValidation) {
      assert.ok(names.includes(`extension/${validation.url.replace(/^\.\//, '')}`), `${validation.url} is not packaged`);
    }
  });
});
