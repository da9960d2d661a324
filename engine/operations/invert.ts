// EngineOperations.invert: a tensor (.npy) taken as the output of the trunk, a stage or a unit, run backwards
// as far as the model allows (to the image: the model's normalisation is undone), with a round-trip check
// (forward from what was reached back to the starting point, against the given tensor).
import * as tf from '@tensorflow/tfjs-core';
import type { InvertParams, InvertResult } from '../../protocol/engineApi';
import { resolveModel } from '../model/resolveModel';
import { checkModelFits, inferenceEstimate } from '../limits/estimates';
import { checkMemoryLimit, resolveMemoryLimit } from '../limits/memoryLimit';
import { invertFromYielding, locateOutput, type Inversion } from '../model/invert';
import { architectureOf, inferenceContext } from '../model/network';
import { runSteps, runStepsYielding } from '../model/trunk';
import { checkReportTarget } from '../io/overwriteGuard';
import { denormalize, normalize, writeTensor } from './tensorFiles';
import { readTensorToInvert } from './tensorToInvert';
import type { CancelSignal } from '../util/cancelSignal';
import { NOT_CANCELLED, stopPoint } from './stopPoint';

export async function invert(params: InvertParams, cancel: CancelSignal = NOT_CANCELLED): Promise<InvertResult> {
  checkReportTarget(params.outputPath, params.overwrite === true);
  const limit = resolveMemoryLimit(params.memoryLimitBytes);
  const { network, config } = await resolveModel(params.model, { beforeBuild: checkModelFits(limit, 'inverting through') });
  try {
    const from = params.from ?? 'trunk';
    const arch = architectureOf(network);
    const start = locateOutput(arch, from);
    const startStep = arch.steps[start];
    await stopPoint(cancel, 'invert');
    const nonFinite: { allow: boolean; found?: number } = { allow: params.allowNonFinite === true };
    // a batch of outputs, or one image that goes forward to the start first (tensorToInvert.ts: the panel's rule too)
    const read = readTensorToInvert(
      params.inputPath,
      { modelName: config.name, image: [config.input.height, config.input.width, config.input.channels], output: startStep.outShape, outputName: params.from === undefined || from === 'trunk' ? 'the trunk' : `${startStep.id} (--from ${from})` },
      {
        beforeAllocating: (batch) => checkMemoryLimit(inferenceEstimate(config, batch), limit, `inverting ${batch} tensors of ${params.inputPath} through model "${config.name}"`),
        nonFinite,
        ...(params.scale === undefined ? {} : { scale: params.scale }),
      },
    );
    const given =
      read.kind === 'outputs'
        ? read.tensor
        : tf.tidy(() => runSteps(inferenceContext(network), arch.steps, 0, start, normalize(read.tensor, config.normalization)));
    if (read.kind === 'image') read.tensor.dispose();
    await stopPoint(cancel, 'invert', () => given.dispose());
    // block by block, with a cancellation point after each (backwards, then forwards for the round trip)
    const pause = () => stopPoint(cancel, 'invert');
    let inversion: Inversion;
    let again: tf.Tensor4D;
    try {
      inversion = await invertFromYielding(network, given, from, pause);
    } catch (error) {
      given.dispose();
      throw error;
    }
    try {
      const first = start + 1 - inversion.inverted.length;
      again = await runStepsYielding(inferenceContext(network), arch.steps, first, start, inversion.input, pause);
    } catch (error) {
      tf.dispose([given, inversion.input]);
      throw error;
    }
    const output = inversion.complete ? denormalize(inversion.input, config.normalization) : tf.clone(inversion.input);
    const roundTrip = tf.tidy(() => {
      const diff = tf.sub(again, given);
      const maxAbs = tf.max(tf.abs(diff));
      const relL2 = tf.div(tf.norm(diff), tf.maximum(tf.norm(given), 1e-30));
      return tf.stack([maxAbs, relL2]);
    });
    const [maxAbs, relL2] = Array.from(await roundTrip.data());
    tf.dispose([roundTrip, given, inversion.input, again]);
    try {
      await stopPoint(cancel, 'invert');
      const shape = await writeTensor(params.outputPath, output);
      const reachedInput = inversion.complete ? 'image' : inversion.reached;
      const result: InvertResult = { outputPath: params.outputPath, shape, reachedInput, roundTrip: { maxAbs: maxAbs, relL2: relL2 }, given: read.kind };
      if (nonFinite.found !== undefined && nonFinite.found > 0) result.nonFiniteInputs = nonFinite.found;
      return result;
    } finally {
      output.dispose();
    }
  } finally {
    network.dispose();
  }
}
