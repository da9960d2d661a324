// EngineOperations.forward: a batch of images (.npy, NHWC, in image space: the model's normalisation is
// applied here) to the trunk's features or the logits (.npy), BatchNorm in inference mode.
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardParams, ForwardResult } from '../../protocol/engineApi';
import { resolveModel } from '../model/resolveModel';
import { checkModelFits, inferenceEstimate } from '../limits/estimates';
import { checkMemoryLimit, resolveMemoryLimit } from '../limits/memoryLimit';
import { head } from '../model/head';
import { architectureOf, inferenceContext } from '../model/network';
import { runStepsYielding } from '../model/trunk';
import { checkReportTarget } from '../io/overwriteGuard';
import { normalize, readBatch, writeTensor } from './tensorFiles';
import type { CancelSignal } from '../util/cancelSignal';
import { NOT_CANCELLED, stopPoint } from './stopPoint';

export async function forward(params: ForwardParams, cancel: CancelSignal = NOT_CANCELLED): Promise<ForwardResult> {
  checkReportTarget(params.outputPath, params.overwrite === true);
  const limit = resolveMemoryLimit(params.memoryLimitBytes);
  const { network, config } = await resolveModel(params.model, { beforeBuild: checkModelFits(limit, 'running') });
  try {
    const { height, width, channels } = config.input;
    await stopPoint(cancel, 'forward');
    const nonFinite: { allow: boolean; found?: number } = { allow: params.allowNonFinite === true };
    const images = readBatch(
      params.inputPath,
      [height, width, channels],
      `the input of model "${config.name}"`,
      (batch) => checkMemoryLimit(inferenceEstimate(config, batch), limit, `running model "${config.name}" forward on ${batch} images of ${params.inputPath}`),
      nonFinite,
      params.scale,
    );
    // block by block, with a cancellation point after each
    const ctx = inferenceContext(network);
    const arch = architectureOf(network);
    const normalized = normalize(images, config.normalization);
    images.dispose();
    let features: tf.Tensor4D;
    try {
      features = await runStepsYielding(ctx, arch.steps, 0, arch.steps.length - 1, normalized, () => stopPoint(cancel, 'forward'));
    } finally {
      normalized.dispose();
    }
    let output: tf.Tensor = features;
    if (params.logits) {
      output = tf.tidy(() => head(ctx, arch.head, features));
      features.dispose();
    }
    try {
      await stopPoint(cancel, 'forward');
      const shape = await writeTensor(params.outputPath, output);
      const result: ForwardResult = { outputPath: params.outputPath, shape };
      if (nonFinite.found !== undefined && nonFinite.found > 0) result.nonFiniteInputs = nonFinite.found;
      return result;
    } finally {
      output.dispose();
    }
  } finally {
    network.dispose();
  }
}
