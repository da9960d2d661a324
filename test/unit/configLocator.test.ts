// Finding stages in a *.revnet.json text: offsets checked against plain string searches in the same text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blockIdsOfStage, parseBlockId, stageAtOffset, stageSpans } from '../../extension/model/configLocator';

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
    assert.deepEqual(blockIdsOfStage(spans[1]), ['stage2.unit0', 'stage2.unit1']);
    assert.deepEqual(parseBlockId('stage2.unit11'), { stage: 2, unit: 11 });
    assert.equal(parseBlockId('stage2'), undefined);
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
