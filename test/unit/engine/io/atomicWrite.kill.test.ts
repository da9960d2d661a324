// SIGKILL a process that keeps rewriting a file through writeFileAtomicSync: whenever it dies, the
// file is one whole version (right size, every byte the same), never a torn mix or a short file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../../../engine/util/random';

const child = join(__dirname, '..', '..', '..', 'fixtures', 'atomicWriterChild.ts');
const SIZE = 2 * 1024 * 1024;
const KILLS = 8;

function runAndKill(path: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path, String(SIZE)], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.stdout.once('data', () => setTimeout(() => proc.kill('SIGKILL'), delayMs));
    proc.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended without the kill (${signal})`))));
  });
}

describe('atomic writes under SIGKILL', () => {
  it(`${KILLS} kills at random moments leave a whole file each time`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revnet-kill-'));
    const random = new SeededRandom(99);
    try {
      const path = join(dir, 'model.safetensors');
      for (let k = 0; k < KILLS; k++) {
        await runAndKill(path, 5 + random.int(200));
        const bytes = readFileSync(path);
        assert.equal(bytes.length, SIZE, `kill ${k}: the file has ${bytes.length} bytes`);
        assert.ok(bytes.every((b) => b === bytes[0]), `kill ${k}: the file mixes two versions`);
      }
      // what a kill can leave behind is a temporary file beside it, never a different target
      assert.ok(readdirSync(dir).every((name) => name === 'model.safetensors' || /^\.model\.safetensors\..*\.tmp$/.test(name)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
