// The command line's pieces: the --data syntax, the progress display (TTY and plain), and `revnet train`'s
// refusals of bad options, each a one-line message without a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProgressEvent } from '../../../../../protocol/engineApi';
import { ProgressBar } from '../../../../../engine/cli/progressBar';
import { parseDataSpec } from '../../../../../engine/train/parseDataSpec';
import { learningRateAt, parseDrops } from '../../../../../engine/train/schedule';

test('--data specs parse into DataSpecs, and bad ones name the problem', () => {
  assert.deepEqual(parseDataSpec('mnist'), { kind: 'mnist' });
  assert.deepEqual(parseDataSpec('default'), { kind: 'default' });
  assert.deepEqual(parseDataSpec('random:count=100,seed=3'), { kind: 'random', count: 100, seed: 3 });
  assert.deepEqual(parseDataSpec('idx:images=a.gz,labels=b.gz,test-images=c,test-labels=d'), { kind: 'idx', images: 'a.gz', labels: 'b.gz', testImages: 'c', testLabels: 'd' });
  assert.deepEqual(parseDataSpec('npy:images=x.npy,labels=y.npy,layout=NCHW'), { kind: 'npy', images: 'x.npy', labels: 'y.npy', layout: 'NCHW' });
  assert.deepEqual(parseDataSpec('cifar10:file=a.bin,file=b.bin,test-file=t.bin'), { kind: 'cifar10', files: ['a.bin', 'b.bin'], testFiles: ['t.bin'] });
  assert.throws(() => parseDataSpec('idx:images=a'), /idx needs labels=/);
  assert.throws(() => parseDataSpec('idx:images=a,labels=b,test-images=c'), /both test-images and test-labels/);
  assert.throws(() => parseDataSpec('npy:images=a,labels=b,layout=CHW'), /layout must be NHWC or NCHW/);
  assert.throws(() => parseDataSpec('mnist:foo=1'), /unknown key "foo"/);
  assert.throws(() => parseDataSpec('svhn'), /unknown kind "svhn"/);
  assert.throws(() => parseDataSpec('random:count=-1'), /count must be a whole number/);
});

test('the step schedule drops the rate by 0.1 at each given epoch', () => {
  const schedule = { base: 0.1, drops: parseDrops('30, 45', '--lr-drops'), factor: 0.1 };
  assert.equal(learningRateAt(schedule, 0), 0.1);
  assert.equal(learningRateAt(schedule, 29), 0.1);
  assert.ok(Math.abs(learningRateAt(schedule, 30) - 0.01) < 1e-15);
  assert.ok(Math.abs(learningRateAt(schedule, 45) - 0.001) < 1e-15);
  assert.throws(() => parseDrops('3,x', '--lr-drops'), /--lr-drops: "x" is not an epoch number/);
});

function event(kind: ProgressEvent['kind'], step: number, extra: Partial<ProgressEvent> = {}): ProgressEvent {
  return { runId: 'r', kind, epoch: 0, epochs: 2, step, stepsPerEpoch: 20, loss: 0.5, accuracy: 0.75, examplesPerSecond: 123.4, memoryBytes: 3 * 1024 * 1024, backend: 'cpu', ...extra };
}

test('without a TTY the progress is plain lines, every tenth of an epoch, and one line per epoch', () => {
  const lines: string[] = [];
  const bar = new ProgressBar({ write: (text: string) => lines.push(text), isTTY: false });
  for (let step = 1; step <= 20; step++) bar.update(event('step', step));
  bar.update(event('epoch', 20, { testAccuracy: 0.9 }));
  assert.equal(lines.length, 11);
  assert.ok(lines.every((line) => line.endsWith('\n') && !line.includes('\r')));
  assert.equal(lines[0], 'epoch 1/2 step 2/20 (total 2) loss 0.5000 acc 75.00% 123 ex/s mem 3.00 MiB\n');
  assert.match(lines[10] ?? '', /^epoch 1\/2 done: loss 0\.5000 train acc 75\.00% test acc 90\.00%/);
});

test('on a TTY one line is redrawn with a bar, then closed before the epoch line', () => {
  const writes: string[] = [];
  const bar = new ProgressBar({ write: (text: string) => writes.push(text), isTTY: true, columns: 120 }, 0);
  bar.update(event('step', 10));
  // eslint-disable-next-line no-control-regex -- the progress bar's ANSI escape is what is tested
  assert.match(writes[0] ?? '', /^\r\x1b\[2K\[#+\.+\] epoch 1\/2 step 10\/20/);
  const filled = /\[(#+)(\.+)\]/.exec(writes[0] ?? '');
  assert.ok(filled && filled[1].length === filled[2].length, 'half an epoch should fill half the bar');
  bar.update(event('epoch', 20, { testAccuracy: 0.5 }));
  assert.equal(writes[1], '\n');
  assert.match(writes[2] ?? '', /test acc 50\.00%/);
});

const main = join(__dirname, '..', '..', '..', '..', '..', 'engine', 'cli', 'main.ts');
function revnet(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', main, 'train', ...args], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

test('revnet train refuses bad options with one line naming the option, and documents the --data syntax', () => {
  const help = revnet('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /idx:images=F,labels=F/);
  assert.match(help.stdout, /--resume/);
  assert.match(help.stdout, /--threads/);
  assert.match(help.stdout, /--stability-reg/);
  assert.match(help.stdout, /--augment VALUE +move the training images at random: shift=N/);
  for (const [args, message] of [
    [['--preset', 'mnist-tiny', '--data', 'mnist'], /--out DIR is required/],
    [['--preset', 'mnist-tiny', '--data', 'bogus', '--out', 'x'], /unknown kind "bogus"/],
    [['--preset', 'mnist-tiny', '--data', 'mnist', '--out', 'x', '--optimizer', 'rmsprop'], /--optimizer must be sgd or adam/],
    [['--preset', 'mnist-tiny', '--data', 'mnist', '--out', 'x', '--epochs', 'two'], /--epochs must be a number/],
    [['--preset', 'mnist-tiny', '--data', 'mnist', '--out', 'x', '--threads', '-2'], /--threads must be a whole number ≥ 0 \(0: one per core\)/],
    [['--resume', '/nonexistent/run'], /no checkpoint folder there/],
    [['--preset', 'mnist-tiny', '--data', 'mnist', '--out', 'x', '--stability-reg', '-1'], /--stability-reg must be a number ≥ 0/],
    [['--preset', 'mnist-tiny', '--data', 'mnist', '--out', 'x', '--augment', 'crop'], /--augment: "crop" is not shift=N or flip/],
  ] as const) {
    const result = revnet(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'a stack trace was printed');
  }
});
