// Which model a revived panel shows: two panels open before a reload come back each to its own model.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { restoredModel, withoutPanel, withPanel, type RestoreCandidates } from '../../../../extension/panel/restoredModel';

const tiny = 'file:///ws/mnist-tiny.revnet.json';
const small = 'file:///ws/mnist-small.revnet.json';
const runTiny = 'file:///ws/runs/mnist-tiny/mnist-tiny.revnet.json';

function candidates(over: Partial<RestoreCandidates>): RestoreCandidates {
  return {
    savedKey: undefined,
    title: 'RevNet: mnist-tiny',
    recorded: [tiny, small],
    claimed: new Set(),
    titleOf: (key) => `RevNet: ${(key.split('/').at(-1) ?? '').replace(/\.revnet\.json$/, '')}`,
    fileUri: (path) => `file://${path}`,
    ...over,
  };
}

describe('restoredModel', () => {
  test('the webview\'s own key comes first, whatever panel was opened last', () => {
    assert.deepEqual(restoredModel(candidates({ savedKey: tiny, recorded: [tiny, small] })), { kind: 'uri', key: tiny });
    assert.deepEqual(restoredModel(candidates({ savedKey: small, title: 'RevNet: mnist-small' })), { kind: 'uri', key: small });
  });

  test('a path kept by an older page becomes the file URI; a bare name is looked up', () => {
    assert.deepEqual(restoredModel(candidates({ savedKey: '/ws/mnist-small.revnet.json' })), { kind: 'uri', key: small });
    assert.deepEqual(restoredModel(candidates({ savedKey: 'mnist-tiny' })), { kind: 'lookup', key: 'mnist-tiny' });
  });

  test('two panels without saved state (never shown before the reload) each get the recorded model their tab names', () => {
    // the order VS Code revives them in does not matter, and neither takes the other's model
    const claimed = new Set<string>();
    const first = restoredModel(candidates({ title: 'RevNet: mnist-small', claimed }));
    assert.deepEqual(first, { kind: 'uri', key: small });
    claimed.add(small);
    const second = restoredModel(candidates({ title: 'RevNet: mnist-tiny', claimed }));
    assert.deepEqual(second, { kind: 'uri', key: tiny });
  });

  test('a title shared by two configs goes to the one not yet shown; a tab no recorded panel fits gets none', () => {
    const recorded = [tiny, runTiny];
    assert.deepEqual(restoredModel(candidates({ recorded, claimed: new Set([tiny]) })), { kind: 'uri', key: runTiny });
    assert.deepEqual(restoredModel(candidates({ recorded, claimed: new Set([tiny, runTiny]) })), { kind: 'none' });
    assert.deepEqual(restoredModel(candidates({ title: 'RevNet: revnet-38' })), { kind: 'none' });
  });

  test('the recorded list: opened last at the end, no duplicates, closed ones removed', () => {
    assert.deepEqual(withPanel([tiny, small], tiny), [small, tiny]);
    assert.deepEqual(withPanel([], small), [small]);
    assert.deepEqual(withoutPanel([tiny, small], tiny), [small]);
    assert.deepEqual(withoutPanel([small], tiny), [small]);
  });
});
