// Finding stages in a *.revnet.json text: offsets checked against plain string searches in the same text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstBlockIdOfStage, parseBlockId, stageAtOffset, stageSpans } from '../../../../extension/model/configLocator';

const text = `{
  // comments are allowed in the editor's JSON
  "name": "two-stage",
  "stages": [
    { "units": 3, "channels": 16, "residual": "basic", "downsample": "none" },
    {
      "units": 2,
      "channels": 32,
      "residual": "basic",
      "downsample": "squeeze"
    }
  ],
  "head": { "pool": "global-average" }
}`;

describe('configLocator', () => {
  test('stageSpans finds each stage object with its units', () => {
    const spans = stageSpans(text);
    assert.equal(spans.length, 2);
    const firstStart = text.indexOf('{ "units": 3');
    const firstEnd = text.indexOf('}', firstStart) + 1;
    assert.deepEqual(spans[0], { index: 0, stage: 1, offset: firstStart, length: firstEnd - firstStart, units: 3 });
    const secondStart = text.indexOf('{\n      "units": 2');
    const secondEnd = text.indexOf('}', secondStart) + 1;
    assert.deepEqual(spans[1], { index: 1, stage: 2, offset: secondStart, length: secondEnd - secondStart, units: 2 });
  });

  test('stageAtOffset answers inside a stage, and nothing outside the stages', () => {
    assert.equal(stageAtOffset(text, text.indexOf('"channels": 16'))?.stage, 1);
    assert.equal(stageAtOffset(text, text.indexOf('"squeeze"') + 2)?.stage, 2);
    assert.equal(stageAtOffset(text, text.indexOf('"two-stage"')), undefined);
    assert.equal(stageAtOffset(text, text.indexOf('"global-average"')), undefined);
  });

  test('block ids follow stage{n}.unit{u}', () => {
    const spans = stageSpans(text);
    assert.equal(firstBlockIdOfStage(spans[1]), 'stage2.unit0');
    assert.deepEqual(parseBlockId('stage2.unit11'), { stage: 2, unit: 11 });
    assert.equal(parseBlockId('stage2'), undefined);
  });

  test('a stage declaring absurd unit counts gives its first block without enumerating them (hover, cursor sync)', () => {
    for (const units of [1e7, 1e308]) {
      const huge = `{ "stages": [ { "units": ${units}, "channels": 4 } ] }`;
      const span = stageAtOffset(huge, huge.indexOf('"channels"'));
      assert.ok(span?.units === units);
      // main built every id ("stage1.unit0" … ) on each cursor move: 1e7 strings, and a RangeError for 1e308
      assert.equal(firstBlockIdOfStage(span), 'stage1.unit0');
    }
    for (const units of [0, -3, 2.5]) assert.equal(firstBlockIdOfStage({ index: 0, stage: 1, offset: 0, length: 1, units }), undefined);
  });

  test('texts that are not configs give no stages', () => {
    assert.deepEqual(stageSpans(''), []);
    assert.deepEqual(stageSpans('[1, 2]'), []);
    assert.deepEqual(stageSpans('{ "stages": 3 }'), []);
    const partial = '{ "stages": [ {"units": 2 ';
    // an unfinished stage (while typing) still counts, up to where the text ends
    assert.deepEqual(stageSpans(partial), [{ index: 0, stage: 1, offset: partial.indexOf('{"units"'), length: partial.length - partial.indexOf('{"units"'), units: 2 }]);
  });
});
