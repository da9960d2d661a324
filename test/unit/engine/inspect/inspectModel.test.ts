// The inspection report against independent recomputations: inference-mode reconstruction errors from
// forwardTrunk and invertStep outputs read back as arrays (float64 plain loops here), the chain inversion done
// by hand (training mode, the default, is checked in reconstruction.test.ts),
// gradient agreement of the two modes (and that a real discrepancy shows), measured memory and its timeline,
// and that inspecting leaves the model bit for bit as it was and no tensor behind.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { InspectReport } from '../../../../protocol/inspectReport';
import { stepParamNames } from '../../../../engine/backprop';
import { gradientStats, hostGradients } from '../../../../engine/inspect/gradientFidelity';
import { hostBatch, loadInspectionData } from '../../../../engine/inspect/inspectionData';
import { inspectResolved, InspectionCancelled } from '../../../../engine/inspect/inspectModel';
import { measureReconstruction } from '../../../../engine/inspect/reconstruction';
import type { RevNetConfig } from '../../../../engine/model/config';
import { forwardTrunk } from '../../../../engine/model/forward';
import { invertStep } from '../../../../engine/model/invert';
import { buildNetwork, type RevNet } from '../../../../engine/model/network';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { squeezeOnlyConfig, stridedConfig, useTestBackend } from '../networkFixtures';
import { reference } from '../errorReference';

const BATCH = 8;
const fast = { timing: { maxSteps: 1 } };

/** every weight and running statistic as raw bits */
function bits(net: RevNet): Map<string, Uint32Array> {
  const out = new Map<string, Uint32Array>();
  for (const [name, v] of [...net.weights.params, ...net.weights.buffers]) {
    out.set(name, new Uint32Array(Float32Array.from(v.dataSync() as Float32Array).buffer));
  }
  return out;
}

function sameBatch(config: RevNetConfig): tf.Tensor4D {
  const batch = hostBatch(loadInspectionData(config, undefined), 0, BATCH);
  const { height, width, channels } = config.input;
  return tf.tensor4d(batch.images, [batch.count, height, width, channels]);
}

const squeeze = withDefaults(squeezeOnlyConfig);
/** one stage of many reversible units: deep enough for reversible backprop to save memory */
const deep: RevNetConfig = withDefaults({
  name: 'test-deep',
  input: { height: 8, width: 8, channels: 1 },
  classes: 3,
  stem: { kind: 'squeeze' },
  stages: [{ units: 8, channels: 4, residual: 'basic', width: 8, downsample: 'none' }],
  head: { pool: 'global-average' },
});

let net: RevNet;
let report: InspectReport;
/** inference-mode errors, measured on the untouched model before the inspection */
let inference: Map<string, NonNullable<InspectReport['blocks'][number]['reconstruction']>>;
let bitsBefore: Map<string, Uint32Array>;
let tensorsBefore = 0;
let tensorsAfter = 0;

before(async () => {
  await useTestBackend();
  net = buildNetwork(squeeze, 11);
  bitsBefore = bits(net);
  const images = sameBatch(squeeze);
  const labels = tf.tensor1d(new Int32Array(BATCH).fill(1), 'int32');
  inference = measureReconstruction(net, images, labels, 'inference');
  tf.dispose([images, labels]);
  tensorsBefore = tf.memory().numTensors;
  report = await inspectResolved({ network: net, config: squeeze }, { batchSize: BATCH, ...fast }, { cancelled: false });
  tensorsAfter = tf.memory().numTensors;
});

test('inspection leaves every weight and running statistic bit for bit, and no tensor behind', () => {
  assert.equal(tensorsAfter, tensorsBefore, 'numTensors after inspecting');
  const after = bits(net);
  for (const [name, before] of bitsBefore) assert.deepEqual(after.get(name), before, name);
});

test('the report is in training mode by default, and so are its reconstruction errors', () => {
  assert.equal(report.reconstructionMode, 'training');
  const images = sameBatch(squeeze);
  const labels = tf.tensor1d(new Int32Array(BATCH).fill(1), 'int32');
  const training = measureReconstruction(net, images, labels, 'training');
  tf.dispose([images, labels]);
  for (const block of report.blocks) assert.deepEqual(block.reconstruction, training.get(block.id), block.id);
  // the two modes differ on this model: the comparison above tells them apart
  assert.ok(report.blocks.some((block) => block.reconstruction?.maxAbs !== inference.get(block.id)?.maxAbs));
});

test('inference mode: one-block reconstruction error equals a recomputation from forwardTrunk and invertStep', () => {
  const images = sameBatch(squeeze);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const steps = net.architecture.steps;
  let checked = 0;
  steps.forEach((step, i) => {
    if (step.kind !== 'reversible') return;
    const input = i === 0 ? images : (outputs.get((steps[i - 1] as { id: string }).id) as tf.Tensor4D);
    const rebuilt = invertStep(net, step.id, outputs.get(step.id) as tf.Tensor4D);
    const expected = reference(input.dataSync(), rebuilt.dataSync(), step.inShape[2]);
    rebuilt.dispose();
    const got = inference.get(step.id);
    assert.ok(got, `${step.id} has reconstruction stats`);
    assert.ok(expected.max > 0, `${step.id}: float32 leaves some error to measure`);
    assert.equal(got.maxAbs, expected.max, `${step.id} maxAbs`);
    assert.ok(Math.abs(got.relL2 - expected.relL2) <= 1e-12 * expected.relL2 + 1e-300, `${step.id} relL2 ${got.relL2} vs ${expected.relL2}`);
    assert.deepEqual(got.channelMaxAbs, expected.perChannel);
    assert.equal(got.worstChannel.maxAbs, Math.max(...expected.perChannel));
    assert.equal(got.worstChannel.index, expected.perChannel.indexOf(Math.max(...expected.perChannel)));
    checked++;
  });
  assert.equal(checked, 4);
  tf.dispose([images, ...outputs.values()]);
});

test('inference mode: chain error is the input rebuilt from the final trunk output through every later step', () => {
  const images = sameBatch(squeeze);
  const run = forwardTrunk(net, images, { keepBlockOutputs: true });
  const outputs = run.blockOutputs as Map<string, tf.Tensor4D>;
  const steps = net.architecture.steps;
  // by hand: from the features, back one step at a time, comparing at each reversible unit's input
  let h = tf.clone(run.features);
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i];
    const next = invertStep(net, step.id, h);
    h.dispose();
    h = next;
    if (step.kind !== 'reversible') continue;
    const input = i === 0 ? images : (outputs.get((steps[i - 1] as { id: string }).id) as tf.Tensor4D);
    const expected = reference(input.dataSync(), h.dataSync(), step.inShape[2]);
    const got = inference.get(step.id);
    assert.ok(got);
    assert.equal(got.chainMaxAbs, expected.max, `${step.id} chainMaxAbs`);
    assert.deepEqual(got.channelChainMaxAbs, expected.perChannel);
  }
  h.dispose();
  // the last unit is the end of the trunk: its chain starts from its own true output
  const last = inference.get(report.blocks[report.blocks.length - 1]?.id);
  assert.ok(last);
  assert.equal(last.chainMaxAbs, last.maxAbs);
  tf.dispose([images, ...outputs.values()]);
});

test('gradients of the two modes agree on every block; a perturbed weight is detected', () => {
  for (const block of report.blocks) {
    assert.ok(block.gradient.cosine >= 0.9999, `${block.id}: cosine ${block.gradient.cosine}`);
    assert.ok(block.gradient.relErr <= 1e-3, `${block.id}: relErr ${block.gradient.relErr}`);
    assert.ok(block.gradient.perParameter.length > 0);
    for (const p of block.gradient.perParameter) assert.ok(p.cosine >= 0.999, `${p.name}: cosine ${p.cosine}`);
  }
  // gradients of a network whose one kernel differs must not pass as the same
  const images = sameBatch(squeeze);
  const labels = tf.tensor1d(new Int32Array(BATCH).fill(1), 'int32');
  const other = buildNetwork(squeeze, 11);
  const kernel = other.weights.params.get('stage1.unit1.g.conv1.weight') as tf.Variable;
  tf.tidy(() => kernel.assign(tf.mul(kernel, 1.5)));
  const reference = hostGradients(net, images, labels, 'standard');
  const candidate = hostGradients(other, images, labels, 'reversible');
  const step = net.architecture.steps.find((s) => s.id === 'stage1.unit1') as (typeof net.architecture.steps)[number];
  const stats = gradientStats(stepParamNames(step), reference, candidate);
  assert.ok(stats.cosine < 0.9999 || stats.relErr > 1e-3, `perturbed: cosine ${stats.cosine}, relErr ${stats.relErr}`);
  const perturbed = stats.perParameter.find((p) => p.name === 'stage1.unit1.g.conv1.weight');
  assert.ok(perturbed !== undefined && perturbed.relErr > 0.05, `the perturbed kernel's own relErr ${perturbed?.relErr}`);
  // the same network in both modes passes (sanity of the comparison itself)
  const same = gradientStats(stepParamNames(step), reference, hostGradients(net, images, labels, 'reversible'));
  assert.ok(same.cosine >= 0.9999);
  other.dispose();
  tf.dispose([images, labels]);
  // restore what the extra steps moved
  for (const [name, v] of net.weights.buffers) {
    const saved = bitsBefore.get(name) as Uint32Array;
    tf.tidy(() => v.assign(tf.tensor(new Float32Array(saved.buffer.slice(0)), v.shape)));
  }
});

test('memory: timeline labelled by block and phase, its largest point is the reported peak', () => {
  for (const [mode, points, peak] of [
    ['standard', report.timeline.standard, report.memory.standardPeakBytes],
    ['reversible', report.timeline.reversible, report.memory.reversiblePeakBytes],
  ] as const) {
    assert.ok(points.length > 0, `${mode} timeline`);
    assert.equal(Math.max(...points.map((p) => p.bytes)), peak, `${mode} peak`);
    const ids = new Set(net.architecture.steps.map((s) => s.id));
    for (const p of points) assert.ok(ids.has(p.block) || p.block === 'head', `${mode}: block label ${p.block}`);
    for (const block of report.blocks) {
      assert.ok(points.some((p) => p.block === block.id && p.phase === 'forward'), `${mode}: ${block.id} forward`);
      assert.ok(points.some((p) => p.block === block.id && p.phase === 'backward'), `${mode}: ${block.id} backward`);
    }
    // the backward pass runs the units last to first
    const firstBackward = (id: string) => points.findIndex((p) => p.block === id && p.phase === 'backward');
    assert.ok(firstBackward('stage2.unit1') < firstBackward('stage1.unit0'), `${mode}: backward order`);
  }
  // the batch alone is in the peak: bytes are those of the step, weights and batch included
  const weightBytes = [...net.weights.params.values(), ...net.weights.buffers.values()].reduce((s, v) => s + v.size * 4, 0);
  assert.ok(report.memory.reversiblePeakBytes > weightBytes);
  const depth = report.memory.depth;
  assert.deepEqual(depth.map((p) => p.unitsPerStage), [...depth.map((p) => p.unitsPerStage)].sort((a, b) => a - b));
  assert.ok(depth.some((p) => p.source === 'measured') && depth.some((p) => p.source === 'analytic'));
  assert.deepEqual(depth.find((p) => p.unitsPerStage === 2 && p.source === 'measured'), {
    unitsPerStage: 2, standardPeakBytes: report.memory.standardPeakBytes, reversiblePeakBytes: report.memory.reversiblePeakBytes, source: 'measured',
  });
});

test('a deep model: reversible peak below standard, chain error at least one-block error in aggregate (inference mode)', async () => {
  const deepNet = buildNetwork(deep, 4);
  const deepReport = await inspectResolved({ network: deepNet, config: deep }, { batchSize: BATCH, depth: false, reconstructionMode: 'inference', ...fast }, { cancelled: false });
  deepNet.dispose();
  assert.equal(deepReport.reconstructionMode, 'inference');
  assert.ok(deepReport.memory.reversiblePeakBytes < deepReport.memory.standardPeakBytes, `reversible ${deepReport.memory.reversiblePeakBytes} vs standard ${deepReport.memory.standardPeakBytes}`);
  const sum = (pick: (r: NonNullable<InspectReport['blocks'][number]['reconstruction']>) => number) =>
    deepReport.blocks.reduce((s, b) => s + pick(b.reconstruction as NonNullable<typeof b.reconstruction>), 0);
  assert.ok(sum((r) => r.chainRelL2) >= sum((r) => r.relL2), `chain ${sum((r) => r.chainRelL2)} vs one-block ${sum((r) => r.relL2)}`);
  const first = deepReport.blocks[0]?.reconstruction;
  assert.ok(first && first.chainMaxAbs > first.maxAbs, 'errors accumulate along the chain to the first unit');
});

test('transitions have no reconstruction; cancellation stops an inspection and restores the model', async () => {
  const config = withDefaults(stridedConfig);
  const strided = buildNetwork(config, 2);
  const before = bits(strided);
  const count = tf.memory().numTensors;
  const r = await inspectResolved({ network: strided, config }, { batchSize: 4, depth: false, ...fast }, { cancelled: false });
  const transitions = r.blocks.filter((b) => b.kind === 'transition');
  assert.deepEqual(transitions.map((b) => b.id), ['stage2.unit0', 'stage3.unit0']);
  for (const b of transitions) {
    assert.equal(b.reconstruction, null);
    assert.ok(b.memory.reversibleBytes > 0);
    assert.ok(b.gradient.cosine >= 0.9999, `${b.id}: cosine ${b.gradient.cosine}`);
  }
  assert.equal(r.model.trunkInvertible, false);
  let phases = 0;
  const cancel = { get cancelled() { return phases >= 3; } };
  await assert.rejects(
    inspectResolved({ network: strided, config }, { batchSize: 4, onPhase: () => phases++ }, cancel),
    (e: Error) => e instanceof InspectionCancelled,
  );
  assert.equal(tf.memory().numTensors, count);
  assert.deepEqual(bits(strided), before);
  strided.dispose();
});
