// Messages from the (untrusted) webview: the good ones pass unchanged, each kind of bad one is refused
// with a reason that names the problem.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_EDITS, MAX_MESSAGE_BYTES, validateWebviewMessage } from '../../../protocol/validateWebviewMessage';

function refused(raw: unknown, reason: RegExp): void {
  const result = validateWebviewMessage(raw);
  assert.equal(result.ok, false, `accepted a message that should be refused (${String(reason)})`);
  assert.match(result.reason, reason);
}

describe('validateWebviewMessage', () => {
  test('accepts every well-formed message type', () => {
    const good = [
      { id: 1, type: 'ready' },
      { id: 2, type: 'refresh' },
      { id: 3, type: 'blockSelected', blockId: 'stage2.unit11' },
      { id: 4, type: 'viewChanged', view: 'memory' },
      { id: 5, type: 'saveTensor', which: 'inverted' },
      { id: 6, type: 'explore', source: { sample: 0 }, edits: [] },
      {
        id: 7,
        type: 'explore',
        source: { pickFile: true },
        edits: [
          { kind: 'zeroChannels', channels: [0, 3] },
          { kind: 'scaleChannels', channels: [1], factor: -2.5 },
          { kind: 'noise', std: 0.1, seed: 42 },
          { kind: 'interpolate', otherSample: 9, t: 0.5 },
        ],
      },
    ];
    for (const message of good) {
      const result = validateWebviewMessage(message);
      assert.ok(result.ok, `refused ${JSON.stringify(message)}: ${result.ok ? '' : result.reason}`);
      assert.deepEqual(result.message, message);
    }
  });

  test('refuses what is not a message', () => {
    refused(null, /must be an object/);
    refused('ready', /must be an object/);
    refused([{ id: 1, type: 'ready' }], /must be an object/);
    refused({ type: 'ready' }, /id must be/);
    refused({ id: -1, type: 'ready' }, /id must be/);
    refused({ id: 1.5, type: 'ready' }, /id must be/);
    refused({ id: 1, replyTo: 'x', type: 'ready' }, /replyTo/);
    refused({ id: 1, type: 'writeFile', path: '/etc/passwd' }, /unknown message type/);
    refused({ id: 1, type: 'ready', extra: true }, /unexpected field/);
  });

  test('refuses oversized messages before looking inside', () => {
    refused({ id: 1, type: 'ready', pad: 'x'.repeat(MAX_MESSAGE_BYTES) }, /over the .*-byte limit/);
    const cyclic: Record<string, unknown> = { id: 1, type: 'ready' };
    cyclic['self'] = cyclic;
    refused(cyclic, /not plain JSON/);
  });

  test('checks the fields of each type, with ranges', () => {
    refused({ id: 1, type: 'blockSelected', blockId: '../../etc' }, /blockId/);
    refused({ id: 1, type: 'blockSelected', blockId: 7 }, /blockId/);
    refused({ id: 1, type: 'viewChanged', view: 'secrets' }, /view must be one of/);
    refused({ id: 1, type: 'saveTensor', which: 'weights', path: '/tmp/x.npy' }, /unexpected field|which/);
    refused({ id: 1, type: 'saveTensor', which: 'weights' }, /which must be one of/);
    refused({ id: 1, type: 'explore', source: { sample: -1 }, edits: [] }, /sample/);
    refused({ id: 1, type: 'explore', source: { npyPath: '/etc/passwd' }, edits: [] }, /source must be/);
    refused({ id: 1, type: 'explore', source: { pickFile: 'yes' }, edits: [] }, /source must be/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: {} }, /edits must be an array/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: Array(MAX_EDITS + 1).fill({ kind: 'noise', std: 1, seed: 1 }) }, /at most/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'zeroChannels', channels: [] }] }, /edits\[0\]\.channels/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'zeroChannels', channels: [1.5] }] }, /non-negative integers/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'scaleChannels', channels: [1], factor: Number.NaN }] }, /factor/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'scaleChannels', channels: [1], factor: 1e9 }] }, /factor/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'noise', std: -1, seed: 1 }] }, /std/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'noise', std: 1, seed: 2 ** 33 }] }, /seed/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'interpolate', otherSample: 1, t: Infinity }] }, /\.t must be/);
    refused({ id: 1, type: 'explore', source: { sample: 1 }, edits: [{ kind: 'rm -rf' }] }, /kind must be one of/);
  });

  test('a refused message keeps its id when it has one, so the answer can name it', () => {
    const result = validateWebviewMessage({ id: 12, type: 'viewChanged', view: 'nope' });
    assert.equal(result.ok, false);
    assert.equal(result.id, 12);
  });
});
