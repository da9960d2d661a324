// What the atomic writer may replace: only a regular file (keeping its mode) or a missing path. A symlink's
// real file is written (the link stays), a FIFO or a character device is written through, a folder is
// refused; a temporary file left by a dead writer is cleaned up; errors name the target, not the temp file.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeFileAtomic, writeFileAtomicSync } from '../../../../engine/io/atomicWrite';

const dir = mkdtempSync(join(tmpdir(), 'revnet-targets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const writers = [
  ['sync', async (path: string, data: string) => writeFileAtomicSync(path, data)],
  ['async', writeFileAtomic],
] as const;

for (const [label, write] of writers) {
  describe(`writeFileAtomic (${label}) and the kind of its target`, () => {
    it('keeps a 0600 file 0600 (and a 0755 one 0755)', async () => {
      for (const mode of [0o600, 0o755]) {
        const path = join(dir, `${label}-mode-${mode.toString(8)}`);
        writeFileSync(path, 'old');
        chmodSync(path, mode);
        await write(path, 'new');
        assert.equal(readFileSync(path, 'utf8'), 'new');
        assert.equal(statSync(path).mode & 0o777, mode);
      }
    });

    it('writes the real file behind a symlink and leaves the link a link', async () => {
      const real = join(dir, `${label}-real.json`);
      const link = join(dir, `${label}-link.json`);
      writeFileSync(real, 'old');
      symlinkSync(real, link);
      await write(link, 'new');
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.equal(readlinkSync(link), real);
      assert.equal(readFileSync(real, 'utf8'), 'new');
    });

    it('refuses a dangling symlink, naming it', async () => {
      const link = join(dir, `${label}-dangling`);
      symlinkSync(join(dir, 'nowhere', 'x'), link);
      await assert.rejects(async () => write(link, 'x'), (error: Error) => error.message.startsWith(`${link}: is a symbolic link`));
      assert.ok(lstatSync(link).isSymbolicLink());
    });

    it('writes through a FIFO (a reader gets the bytes; the FIFO stays a FIFO)', async () => {
      const fifo = join(dir, `${label}-fifo`);
      execFileSync('mkfifo', [fifo]);
      const reader = spawn('cat', [fifo]);
      let got = '';
      reader.stdout.on('data', (chunk: Buffer) => (got += chunk.toString()));
      const closed = new Promise((resolve) => reader.on('close', resolve));
      await write(fifo, 'through the pipe');
      await closed;
      assert.equal(got, 'through the pipe');
      assert.ok(lstatSync(fifo).isFIFO());
    });

    it('writes through a character device (a null device) and leaves it a device', async (t) => {
      // a private copy of /dev/null (major 1, minor 3): a failing writer must not replace the real one
      const device = join(dir, `${label}-null`);
      try {
        execFileSync('mknod', [device, 'c', '1', '3'], { stdio: 'ignore' });
      } catch {
        t.skip('mknod needs root');
        return;
      }
      await write(device, 'discarded');
      assert.ok(lstatSync(device).isCharacterDevice());
    });

    it('refuses a folder with a message naming it', async () => {
      const folder = join(dir, `${label}-folder`);
      mkdirSync(folder);
      await assert.rejects(async () => write(folder, 'x'), (error: Error) => error.message === `${folder}: is a folder; only a regular file is written (choose a file name)`);
      assert.ok(statSync(folder).isDirectory());
    });

    it('names the target, not the temporary file, when the folder is missing', async () => {
      const path = join(dir, 'no-such-folder', `${label}.json`);
      await assert.rejects(async () => write(path, 'x'), (error: Error) => error.message.startsWith(`${path}: `) && !error.message.includes('.tmp'));
    });

    it('removes a temporary file left by a dead writer on the next write of that target', async () => {
      const path = join(dir, `${label}-leftover.json`);
      // a process that has exited: its pid is free
      const dead = spawn(process.execPath, ['-e', '0']);
      await new Promise((resolve) => dead.on('exit', resolve));
      const stale = join(dir, `.${label}-leftover.json.${dead.pid}.1700000000000.1.tmp`);
      const otherTarget = join(dir, `.${label}-other.json.${dead.pid}.1700000000000.1.tmp`);
      writeFileSync(stale, 'half');
      writeFileSync(otherTarget, 'half');
      await write(path, 'whole');
      assert.equal(existsSync(stale), false);
      assert.equal(existsSync(otherTarget), true, 'only the written target\'s leftovers are removed');
      assert.ok(readdirSync(dir).every((name) => !name.startsWith(`.${label}-leftover.json.`)));
    });
  });
}
