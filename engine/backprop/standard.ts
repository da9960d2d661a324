// Standard backprop: autodiff over the whole network; the tape keeps every activation.
import * as tf from '@tensorflow/tfjs-core';
import './registerGradients';
import { BatchStatsRecorder } from '../model/batchStats';
import { crossEntropyLoss, head } from '../model/head';
import type { Network, StepGradients } from '../model/network.types';
import { architectureOf, batchNormSettings, trainingContext } from '../model/network';
import { runTrunk } from '../model/trunk';
import { weightedLoss, type BackpropHooks } from './hooks';

export function standardGradients(net: Network, images: tf.Tensor4D, labels: tf.Tensor1D, hooks: BackpropHooks = {}): StepGradients {
  const arch = architectureOf(net);
  const stats = new BatchStatsRecorder();
  const ctx = trainingContext(net, stats);
  let logits: tf.Tensor2D | undefined;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const { features } = runTrunk(ctx, arch.steps, images, false, (id) => hooks.onUnit?.(id, 'forward'));
      hooks.onUnit?.('head', 'forward');
      logits = tf.keep(head(ctx, arch.head, features));
      return weightedLoss(crossEntropyLoss(logits, labels), hooks.lossWeight);
    }, [...net.weights.params.values()]);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, variable] of net.weights.params) {
      const grad = grads[variable.name] as tf.Tensor | undefined;
      if (grad === undefined) throw new Error(`standard backprop produced no gradient for ${name}`);
      byName.set(name, grad);
    }
    stats.applyTo(net.weights, batchNormSettings(net).momentum, batchNormSettings(net).runningVariance);
    return { loss: value, logits: logits as tf.Tensor2D, grads: byName };
  } catch (error) {
    logits?.dispose();
    stats.dispose();
    throw error;
  }
}
