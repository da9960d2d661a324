// Hostile messages from the webview against the host's gate (protocol/validateWebviewMessage.ts, which
// extension/panel/inspectionPanel.ts runs on every message before acting): malformed, oversized,
// prototype-polluting and path-injecting variants of every valid message are each refused with a reason, and
// the valid messages are still accepted after all of them. The refused count is printed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MESSAGE_BYTES, validateWebviewMessage } from '../../../protocol/validateWebviewMessage';
import { SeededRandom } from '../../../engine/util/random';

type Json = Record<string, unknown>;

const VALID: Json[] = [
  { id: 1, type: 'ready' },
  { id: 2, type: 'refresh' },
  { id: 3, type: 'blockSelected', blockId: 'stage1.unit0' },
  { id: 4, type: 'viewChanged', view: 'invert' },
  { id: 5, type: 'saveTensor', which: 'inverted' },
  { id: 6, type: 'explore', source: { sample: 3 }, edits: [{ kind: 'zeroChannels', channels: [0, 1] }, { kind: 'noise', std: 0.1, seed: 7 }] },
  { id: 7, type: 'explore', source: { pickFile: true }, edits: [{ kind: 'interpolate', otherSample: 2, t: 0.5 }] },
];

const WRONG_VALUES: unknown[] = [null, true, -1, 1.5, Number.NaN, '', 'x'.repeat(200), [], {}, [1, 2], { __proto__: null }, '../../etc/passwd'];

function deep(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** hostile variants of one valid message, each with what makes it hostile */
function variants(valid: Json, random: SeededRandom): { what: string; raw: unknown }[] {
  const out: { what: string; raw: unknown }[] = [];
  const keys = Object.keys(valid);
  for (const key of keys) {
    const { [key]: _dropped, ...rest } = valid;
    // dropping the only required field of ready/refresh leaves a valid message only when the field is optional
    if (key === 'id' || key === 'type' || keys.length > 2) out.push({ what: `without ${key}`, raw: rest });
    for (const wrong of WRONG_VALUES) {
      // no edits is a valid explore
      if (key === 'edits' && Array.isArray(wrong) && wrong.length === 0) continue;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- JSON.stringify gives undefined for undefined and functions, whatever its declared type says
    out.push({ what: `${key} = ${String(JSON.stringify(wrong)).slice(0, 20)}`, raw: { ...valid, [key]: wrong } });
    }
  }
  // prototype pollution through JSON (a real own "__proto__" key, as structured clone of parsed JSON makes it)
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    out.push({ what: `own ${key}`, raw: JSON.parse(JSON.stringify(valid).replace(/^\{/, `{"${key}":{"polluted":true},`)) });
  }
  if (valid['type'] === 'explore') {
    out.push({ what: 'edit with __proto__', raw: JSON.parse(JSON.stringify(valid).replace('{"kind"', '{"__proto__":{"polluted":true},"kind"')) });
    out.push({ what: 'huge channel list', raw: { ...valid, edits: [{ kind: 'zeroChannels', channels: Array.from({ length: 50_000 }, (_, i) => i) }] } });
    out.push({ what: 'too many edits', raw: { ...valid, edits: Array.from({ length: 500 }, () => ({ kind: 'noise', std: 0.1, seed: random.int(1000) })) } });
    out.push({ what: 'source with a path', raw: { ...valid, source: { npyPath: '/etc/passwd' } } });
  }
  // the webview never names a file: a path next to saveTensor (or anything else) is refused, not ignored
  out.push({ what: 'path injected', raw: { ...valid, path: '/tmp/../../root/.bashrc' } });
  out.push({ what: 'outputPath injected', raw: { ...valid, outputPath: '../outside.npy' } });
  out.push({ what: 'huge string field', raw: { ...valid, note: 'x'.repeat(MAX_MESSAGE_BYTES * 4) } });
  out.push({ what: 'deeply nested field', raw: { ...valid, nested: deep(20_000) } });
  out.push({ what: 'unknown type', raw: { ...valid, type: `hack${random.int(100)}` } });
  out.push({ what: 'a replyTo (the webview never answers the host)', raw: { ...valid, replyTo: -7 } });
  return out;
}

test('hostile webview messages are each refused with a reason; valid ones still pass after them', (t) => {
  const random = new SeededRandom(7);
  const hostile: { what: string; raw: unknown }[] = [
    { what: 'undefined', raw: undefined },
    { what: 'a string', raw: '{"type":"ready","id":1}' },
    { what: 'an array', raw: [{ type: 'ready', id: 1 }] },
    { what: 'a number', raw: 42 },
    { what: 'a cycle', raw: (() => { const a: Json = { type: 'ready', id: 1 }; a['self'] = a; return a; })() },
    { what: 'a BigInt', raw: { type: 'ready', id: 1n } },
    { what: 'deep nesting at the top', raw: deep(200_000) },
    { what: 'a huge array', raw: Array.from({ length: 100_000 }, () => 0) },
  ];
  for (const valid of VALID) hostile.push(...variants(valid, random));

  let refused = 0;
  const reasons = new Map<string, number>();
  const started = performance.now();
  for (const { what, raw } of hostile) {
    const result = validateWebviewMessage(raw);
    assert.equal(result.ok, false, `accepted a hostile message: ${what}`);
    assert.ok(result.reason.length > 0 && result.reason.length < 300, `reason for ${what}: ${result.reason}`);
    refused++;
    const kind = result.reason.replace(/[\d"].*$/, '').trim();
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
  const elapsed = performance.now() - started;
  assert.equal(({} as Json)['polluted'], undefined, 'Object.prototype was polluted');
  assert.equal((Object.prototype as Json)['polluted'], undefined);
  for (const valid of VALID) {
    const result = validateWebviewMessage(structuredClone(valid));
    assert.equal(result.ok, true, `a valid ${String(valid['type'])} is refused after the hostile ones: ${result.ok ? '' : result.reason}`);
    assert.deepEqual(result.message, valid);
  }
  t.diagnostic(`hostile webview messages refused: ${refused} of ${hostile.length} in ${elapsed.toFixed(0)} ms; valid after them: ${VALID.length}/${VALID.length}`);
  t.diagnostic(`reasons: ${[...reasons].map(([kind, n]) => `${kind} (${n})`).join('; ')}`);
});
