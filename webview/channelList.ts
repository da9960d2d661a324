// Parses the channel lists typed in the Invert view: "0, 3, 8-11" → [0, 3, 8, 9, 10, 11].

export type ChannelListResult = { ok: true; channels: number[] } | { ok: false; error: string };

export function parseChannelList(text: string, channelCount?: number): ChannelListResult {
  const chosen = new Set<number>();
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0) return { ok: false, error: 'choose at least one channel, e.g. "0, 3, 8-11"' };
  for (const part of parts) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) return { ok: false, error: `"${part}" is not a channel number or a range like 8-11` };
    const first = Number(match[1]);
    const last = (match[2] as string | undefined) === undefined ? first : Number(match[2]);
    if (last < first) return { ok: false, error: `the range "${part}" runs backwards` };
    if (channelCount !== undefined && last >= channelCount) {
      return { ok: false, error: `channel ${last} does not exist: the output has channels 0-${channelCount - 1}` };
    }
    if (last - first > 100000) return { ok: false, error: `the range "${part}" is too long` };
    for (let c = first; c <= last; c++) chosen.add(c);
  }
  return { ok: true, channels: [...chosen].sort((a, b) => a - b) };
}

/** the inverse of parseChannelList for sorted channels, with runs written as ranges */
export function formatChannelList(channels: number[]): string {
  const sorted = [...new Set(channels)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i + 1 ? `${sorted[i]}-${sorted[j]}` : j === i + 1 ? `${sorted[i]}, ${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(', ');
}
