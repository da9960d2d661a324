// EngineOperations.forward: a batch of images (.npy, NHWC, in image space: the model's normalisation is
// applied here) to the trunk's features or the logits (.npy), BatchNorm in inference mode.
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardParams, ForwardResult } from '../../protocol/engineApi';
import { resolveModel } from '../inspect/resolveModel';
import { checkModelFits, inferenceEstimate } from '../limits/estimates';
import { checkMemoryLimit, resolveMemoryLimit } from '../limits/memoryLimit';
import { forwardTrunk, predict } from '../model/forward';
import { normalize, readBatch, writeTensor } from './tensorFiles';
import type { CancelSignal } from '../operations.types';
import { NOT_CANCELLED, stopPoint } from './stopPoint';

export async function forward(params: ForwardParams, cancel: CancelSignal = NOT_CANCELLED): Promise<ForwardResult> {
  const limit = resolveMemoryLimit(params.memoryLimitBytes);
  const { network, config } = await resolveModel(params.model, { beforeBuild: checkModelFits(limit, 'running') });
  try {
    const { height, width, channels } = config.input;
    await stopPoint(cancel, 'forward');
    const images = readBatch(params.inputPath, [height, width, channels], `the input of model "${config.name}"`, (batch) =>
      checkMemoryLimit(inferenceEstimate(config, batch), limit, `running model "${config.name}" forward on ${batch} images of ${params.inputPath}`),
    );
    const output = tf.tidy(() => {
      const normalized = normalize(images, config.normalization);
      if (params.logits) return predict(network, normalized);
      return forwardTrunk(network, normalized).features;
    });
    images.dispose();
    try {
      await stopPoint(cancel, 'forward');
      const shape = await writeTensor(params.outputPath, output);
      return { outputPath: params.outputPath, shape };
    } finally {
      output.dispose();
    }
  } finally {
    network.dispose();
  }
}
