// The Invert view's channel lists ("0, 3, 8-11") against an independent expansion, and the round trip back to text.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SeededRandom } from '../../engine/util/random';
import { formatChannelList, parseChannelList } from '../../webview/channelList';

it('parses lists and ranges like a plain expansion does, and formats them back', () => {
  const random = new SeededRandom(5);
  for (let trial = 0; trial < 200; trial++) {
    const parts: string[] = [];
    const expected = new Set<number>();
    for (let p = 0; p < 1 + random.int(5); p++) {
      const first = random.int(40);
      if (random.next() < 0.5) {
        parts.push(String(first));
        expected.add(first);
      } else {
        const last = first + random.int(6);
        parts.push(`${first}-${last}`);
        for (let c = first; c <= last; c++) expected.add(c);
      }
    }
    const text = parts.join(random.next() < 0.5 ? ', ' : ' ');
    const parsed = parseChannelList(text);
    const sorted = [...expected].sort((a, b) => a - b);
    assert.deepEqual(parsed, { ok: true, channels: sorted }, text);
    assert.deepEqual(parseChannelList(formatChannelList(sorted)), { ok: true, channels: sorted });
  }
});

it('refuses what is not a channel list, naming the part', () => {
  assert.deepEqual(parseChannelList(''), { ok: false, error: 'choose at least one channel, e.g. "0, 3, 8-11"' });
  assert.match((parseChannelList('1, x') as { error: string }).error, /"x" is not a channel number/);
  assert.match((parseChannelList('5-2') as { error: string }).error, /runs backwards/);
  assert.match((parseChannelList('3, 8', 8) as { error: string }).error, /channel 8 does not exist: the output has channels 0-7/);
  assert.match((parseChannelList('-1') as { error: string }).error, /"-1" is not a channel number/);
});
