// shared/format.ts against expectations worked out from each format's definition (binary byte units,
// thousands separators, degrees from acos), not from the functions themselves.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  degreesFromCosine,
  formatBytes,
  formatCount,
  formatDegrees,
  formatError,
  formatFlops,
  formatPercent,
  formatRatio,
  formatShape,
  formatSi,
} from '../../../shared/format';

describe('formatBytes: binary units, 2 decimals, whole bytes below 1 KiB', () => {
  test('hand-worked values', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.00 KiB');
    assert.equal(formatBytes(1536), '1.50 KiB'); // 1536 / 1024 = 1.5
    assert.equal(formatBytes(2048), '2.00 KiB');
    assert.equal(formatBytes(1_000_000), '976.56 KiB'); // 10^6 / 1024 = 976.5625
    assert.equal(formatBytes(3 * 1024 * 1024), '3.00 MiB');
    assert.equal(formatBytes(1024 ** 2 - 1), '1024.00 KiB'); // 1023.999 KiB rounds up but stays in KiB
    assert.equal(formatBytes(5 * 1024 ** 4), '5.00 TiB');
    assert.equal(formatBytes(1024 ** 5), '1024.00 TiB'); // no unit past TiB
    assert.equal(formatBytes(-2048), '-2.00 KiB');
    assert.equal(formatBytes(Number.NaN), 'NaN');
  });

  test('every unit, from the definition 1 KiB = 2^10 B', () => {
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    units.forEach((unit, index) => {
      const size = 2 ** (10 * (index + 1));
      for (const [mantissa, text] of [[1, '1.00'], [1.25, '1.25'], [7.5, '7.50'], [100, '100.00'], [1023.5, '1023.50']] as const) {
        assert.equal(formatBytes(mantissa * size), `${text} ${unit}`, `${mantissa} ${unit}`);
      }
    });
  });
});

describe('formatCount: whole numbers with thousands separators', () => {
  test('hand-worked values', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(1000), '1,000');
    assert.equal(formatCount(4736), '4,736');
    assert.equal(formatCount(1_850_000), '1,850,000');
    assert.equal(formatCount(1_234_567_890), '1,234,567,890');
    assert.equal(formatCount(12.6), '13');
    assert.equal(formatCount(-12_345), '-12,345');
    assert.equal(formatCount(Number.POSITIVE_INFINITY), 'Infinity');
  });
});

describe('angles: degreesFromCosine gives degrees, formatDegrees writes degrees', () => {
  test('degrees of known cosines', () => {
    assert.equal(degreesFromCosine(1), 0);
    assert.equal(degreesFromCosine(0), 90);
    assert.equal(degreesFromCosine(-1), 180);
    assert.ok(Math.abs(degreesFromCosine(0.5) - 60) < 1e-12);
    assert.ok(Math.abs(degreesFromCosine(Math.SQRT1_2) - 45) < 1e-12);
    // rounding can push a cosine just past 1: the angle is 0, not NaN
    assert.equal(degreesFromCosine(1 + 1e-7), 0);
    assert.equal(degreesFromCosine(-1 - 1e-7), 180);
  });

  test('4 decimals, exponent form below a thousandth of a degree', () => {
    // acos(0.9999) = 0.0141422 rad = 0.810291°
    assert.equal(formatDegrees(degreesFromCosine(0.9999)), '0.8103');
    assert.equal(formatDegrees(0), '0.0000');
    assert.equal(formatDegrees(90), '90.0000');
    assert.equal(formatDegrees(1e-3), '0.0010');
    assert.equal(formatDegrees(2.5e-4), '2.50e-4');
    assert.equal(formatDegrees(Number.NaN), 'NaN');
  });
});

describe('the other formats', () => {
  test('errors in exponent form with 3 significant digits', () => {
    assert.equal(formatError(4.75e-4), '4.75e-4');
    assert.equal(formatError(1.25e-7), '1.25e-7');
    assert.equal(formatError(0), '0');
    assert.equal(formatError(Number.NaN), 'NaN');
  });

  test('SI quantities and FLOPs: 1 k = 1000', () => {
    assert.equal(formatSi(999), '999');
    assert.equal(formatSi(1000), '1.00 k');
    assert.equal(formatSi(1_850_000), '1.85 M');
    assert.equal(formatFlops(1_850_000), '1.85 MFLOP');
    assert.equal(formatFlops(2.5e9), '2.50 GFLOP');
    assert.equal(formatFlops(12), '12 FLOP');
  });

  test('percent, ratio, shape', () => {
    assert.equal(formatPercent(0.75), '75.00%');
    assert.equal(formatPercent(0.9375), '93.75%');
    assert.equal(formatRatio(1.08), '1.08×');
    assert.equal(formatShape([28, 28, 1]), '28×28×1');
  });
});
