// One tiny network's units against a float64 plain-loop reference: forward and inverse, BatchNorm in
// inference mode (running statistics) and training mode (batch statistics).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ReversibleStep } from '../../../../engine/model/architecture';
import type { RevNetConfig } from '../../../../engine/model/config';
import { forwardTrunk } from '../../../../engine/model/forward';
import { inferenceContext, trainingContext, type RevNet } from '../../../../engine/model/network';
import { reversibleInverse } from '../../../../engine/model/units';
import { randomImages, useTestBackend } from '../networkFixtures';
import { seededTinyNetwork, tinyReferenceConfig, type SeededTinyNetwork } from '../seededTinyNetwork';
import { unitForward, unitInverse, type Array4, type BasicResidual } from '../networkReference';

const config: RevNetConfig = tinyReferenceConfig('tiny-reference');

let net: RevNet;
let tiny: SeededTinyNetwork;

before(async () => {
  await useTestBackend();
  tiny = seededTinyNetwork(config, 11, 0.4);
  net = tiny.net;
});

const residualParams = (prefix: string, withBn1: boolean): BasicResidual => tiny.residualParams(prefix, withBn1);

function toArray4(t: tf.Tensor): Array4 {
  return { shape: t.shape as Array4['shape'], data: Float64Array.from(t.dataSync()) };
}

/** max |a - b| over max |b|: float32 against float64 */
function relMaxError(actual: Float32Array | Float64Array, expected: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return err / scale;
}

// float32 rounding of a few dozen products and sums per output: ~1e-6 relative in practice; 2e-5 leaves
// room for the batch statistics and is still far below any real mistake (a wrong index or sign gives >1e-2).
const tolerance = 2e-5;

for (const training of [false, true]) {
  test(`both units forward and inverse match float64 loops (BatchNorm ${training ? 'training' : 'inference'} mode)`, (t) => {
    const images = randomImages(config, 3, 5);
    const run = forwardTrunk(net, images, { keepBlockOutputs: true, training });
    const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
    const steps = net.architecture.steps.filter((s): s is ReversibleStep => s.kind === 'reversible');
    assert.equal(steps.length, 2);
    let input = outputs.get('stem') as tf.Tensor4D;
    for (const step of steps) {
      const f = residualParams(step.f.prefix, step.f.leadingBatchNorm);
      const g = residualParams(step.g.prefix, true);
      assert.equal(step.f.leadingBatchNorm, step.unit !== 0, 'only the first unit skips its leading BatchNorm-ReLU');
      const expected = unitForward(toArray4(input), f, g, training);
      const output = outputs.get(step.id) as tf.Tensor4D;
      const forwardErr = relMaxError(output.dataSync() as Float32Array, expected.data);
      t.diagnostic(`${step.id} forward: max error / max |y| = ${forwardErr.toExponential(2)}`);
      assert.ok(forwardErr < tolerance, `${step.id} forward differs from float64: ${forwardErr}`);

      const expectedInverse = unitInverse(expected, f, g, training);
      const y32 = tf.tensor4d(Float32Array.from(expected.data), expected.shape);
      const ctx = training ? trainingContext(net) : inferenceContext(net);
      const inverted = reversibleInverse(ctx, step, y32);
      const inverseErr = relMaxError(inverted.dataSync() as Float32Array, expectedInverse.data);
      const roundTrip64 = relMaxError(expectedInverse.data, toArray4(input).data);
      t.diagnostic(`${step.id} inverse: vs float64 inverse ${inverseErr.toExponential(2)}, float64 round trip ${roundTrip64.toExponential(2)}`);
      assert.ok(roundTrip64 < 1e-12, `the float64 reference does not invert its own forward: ${roundTrip64}`);
      assert.ok(inverseErr < tolerance, `${step.id} inverse differs from float64: ${inverseErr}`);
      tf.dispose([y32, inverted]);
      input = output;
    }
    tf.dispose([images, run.features, ...outputs.values()]);
  });
}
