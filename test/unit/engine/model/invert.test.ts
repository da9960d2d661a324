// invert(forward(x)) == x for every unit, every squeeze and the whole invertible trunk, with fresh and with
// trained weights; and clear answers where a part is not invertible.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { computeGradients } from '../../../../engine/backprop';
import type { RevNetConfig } from '../../../../engine/model/config';
import { forwardTrunk } from '../../../../engine/model/forward';
import { InversionError, invertFrom, invertStep, invertTrunk } from '../../../../engine/model/invert';
import { buildNetwork, type RevNet } from '../../../../engine/model/network';
import { presetConfig } from '../../../../engine/model/presets';
import { mnistLikeConfig, pytorchConventionsConfig, useTestBackend, maxAbs, maxAbsDiff, randomImages, randomLabels, squeezeOnlyConfig, stridedConfig } from '../networkFixtures';

before(useTestBackend);

/**
 * Float32 tolerance. Inverting a unit recomputes G(y1) from the very same y1 the forward pass used, so
 * x2 = y2 - G(y1) is off by one rounding of y2 (unit roundoff u = 2^-24 ≈ 6e-8 of |y2|), and x1 = y1 - F(x2)
 * by one rounding plus F's response to that error (its Lipschitz constant, a few units for these weights).
 * Errors add up along a chain of inverted units. So the bound is k·u·(max |activation|)·(units inverted),
 * with k = 64 covering rounding inside the convolutions' sums and Lipschitz constants up to ~30 (measured: the
 * whole mnist-small trunk stays ~15x below this bound);
 * a wrong sign, order or BatchNorm statistic gives errors of the order of the activations themselves.
 */
const u = 2 ** -24;
function tolerance(scale: number, unitsInverted: number): number {
  return 64 * u * scale * Math.max(1, unitsInverted);
}

/** a few SGD steps (reversible gradients, BatchNorm running statistics moving) so weights and statistics are not trivial */
function train(net: RevNet, config: RevNetConfig, steps: number): void {
  for (let step = 0; step < steps; step++) {
    const images = randomImages(config, 8, 100 + step);
    const labels = randomLabels(config, 8, 200 + step);
    const { loss, logits, grads } = computeGradients(net, images, labels, 'reversible');
    for (const [name, grad] of grads) {
      const variable = net.weights.params.get(name) as tf.Variable;
      tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(grad, 0.1))));
    }
    tf.dispose([images, labels, loss, logits, ...grads.values()]);
  }
}

const cases: { config: RevNetConfig; trained: boolean }[] = [
  { config: squeezeOnlyConfig, trained: false },
  { config: squeezeOnlyConfig, trained: true },
  { config: presetConfig('mnist-small'), trained: false },
  { config: mnistLikeConfig, trained: true },
  { config: pytorchConventionsConfig, trained: false },
  { config: pytorchConventionsConfig, trained: true },
];

for (const { config, trained } of cases) {
  {
    test(`${config.name}, ${trained ? 'trained' : 'fresh'} weights: every unit, every squeeze and the whole trunk invert`, (t) => {
      const net = buildNetwork(config, 21);
      if (trained) {
        train(net, config, 4);
        const mean = maxAbs(net.weights.buffers.get('stage1.unit1.f.bn1.mean') as tf.Tensor);
        assert.ok(mean > 0, 'training moved the running statistics');
      }
      const images = randomImages(config, 4, 9);
      const run = forwardTrunk(net, images, { keepBlockOutputs: true });
      const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
      const steps = net.architecture.steps;
      let worst = 0;
      let chainScale = 0;
      steps.forEach((step, i) => {
        const input = i === 0 ? images : (outputs.get((steps[i - 1] as { id: string }).id) as tf.Tensor4D);
        const output = outputs.get(step.id) as tf.Tensor4D;
        const scale = Math.max(maxAbs(input), maxAbs(output));
        // one step back, from this step's true output
        const single = invertStep(net, step.id, output);
        const err = maxAbsDiff(single, input);
        single.dispose();
        worst = Math.max(worst, err / scale);
        assert.ok(err <= tolerance(scale, 1), `${step.id}: one-step inverse error ${err} (scale ${scale})`);
        if (step.kind === 'squeeze') assert.equal(err, 0, `${step.id}: a squeeze inverts exactly`);
        // from this step's output all the way back to the image
        const back = invertFrom(net, output, step.id);
        assert.equal(back.complete, true);
        assert.equal(back.reached, 'image');
        assert.deepEqual(back.inverted, steps.slice(0, i + 1).map((s) => s.id).reverse());
        const chainErr = maxAbsDiff(back.input, images);
        chainScale = Math.max(chainScale, scale);
        assert.ok(chainErr <= tolerance(chainScale, i + 1), `${step.id} → image: error ${chainErr} over ${i + 1} steps`);
        back.input.dispose();
      });
      const image = invertTrunk(net, run.features);
      const trunkErr = maxAbsDiff(image, images);
      const scale = Math.max(...[...outputs.values()].map(maxAbs));
      t.diagnostic(`worst one-step error / scale ${worst.toExponential(2)}; whole trunk max |Δ| ${trunkErr.toExponential(2)} (scale ${scale.toFixed(2)}, bound ${tolerance(scale, steps.length).toExponential(2)})`);
      assert.ok(trunkErr <= tolerance(scale, steps.length));
      tf.dispose([image, images, ...outputs.values()]);
      net.dispose();
    });
  }
}

test('a conv stem and strided transitions stop the inversion with a clear message', () => {
  const net = buildNetwork(stridedConfig, 5);
  const images = randomImages(stridedConfig, 2, 1);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;

  const fromTrunk = invertFrom(net, run.features, 'trunk');
  assert.equal(fromTrunk.complete, false);
  assert.equal(fromTrunk.reached, 'output of stage3.unit0');
  assert.equal(fromTrunk.stoppedBecause, 'stage3.unit0 is a strided transition and is not invertible; inverted back to the output of stage3.unit0');
  assert.ok(maxAbsDiff(fromTrunk.input, outputs.get('stage3.unit0') as tf.Tensor4D) <= tolerance(maxAbs(run.features), 1));

  const fromStage1 = invertFrom(net, run.stageOutputs?.get('stage1') as tf.Tensor4D, 'stage1');
  assert.equal(fromStage1.reached, 'output of stem');
  assert.match(fromStage1.stoppedBecause ?? '', /^stem is a convolution stem and is not invertible/);
  assert.ok(maxAbsDiff(fromStage1.input, outputs.get('stem') as tf.Tensor4D) <= tolerance(maxAbs(outputs.get('stem') as tf.Tensor4D), 2));

  assert.throws(() => invertTrunk(net, run.features), (e: Error) => e instanceof InversionError && e.message.includes('cannot invert from trunk back to the image: stage3.unit0 is a strided transition'));
  assert.throws(() => invertFrom(net, run.features, 'stage7'), /unknown location "stage7"; expected "trunk", "stem", "stageS" \(S from 1 to 3\)/);
  assert.throws(() => invertFrom(net, run.features, 'stage2'), /the tensor to invert has shape \[2,2,2,32\]; the output of stage2\.unit1 has shape \[N,4,4,16\]/);
  assert.throws(() => invertStep(net, 'stage2.unit0', outputs.get('stage2.unit0') as tf.Tensor4D), /stage2\.unit0 is a strided transition and is not invertible/);
  tf.dispose([fromTrunk.input, fromStage1.input, images, ...outputs.values()]);
  net.dispose();
});
