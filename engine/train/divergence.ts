// When the loss turns NaN or infinite: which part of the network first produced a non-finite value.
// Runs the same batch forwards again (BatchNorm in training mode, as in the step; running statistics
// untouched), keeping every block's output, and names the first one that is not finite.
import * as tf from '@tensorflow/tfjs-core';
import { forwardTrunk } from '../model/forward';
import { head } from '../model/head';
import { architectureOf, trainingContext } from '../model/network';
import type { Network } from '../model/network.types';

function allFinite(x: tf.Tensor): boolean {
  return tf.tidy(() => (tf.all(tf.isFinite(x)).dataSync() as Uint8Array)[0] === 1);
}

export interface NonFiniteReport {
  /** the normalised input batch itself held a NaN or infinity */
  inputNonFinite: boolean;
  /** the first step ("stem", "stage1.unit0", ...) whose output was not finite, or "head" for the logits */
  first?: string;
}

/** Where the forward pass first produced a non-finite value on this batch. */
export function findNonFinite(network: Network, images: tf.Tensor4D): NonFiniteReport {
  const report: NonFiniteReport = { inputNonFinite: !allFinite(images) };
  const run = forwardTrunk(network, images, { keepBlockOutputs: true, training: true });
  const owned = new Set<tf.Tensor>([run.features, ...(run.blockOutputs?.values() ?? [])]);
  try {
    for (const [id, output] of run.blockOutputs ?? []) {
      if (!allFinite(output)) {
        report.first = id;
        return report;
      }
    }
    const logits = head(trainingContext(network), architectureOf(network).head, run.features);
    if (!allFinite(logits)) report.first = 'head';
    logits.dispose();
    return report;
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** "first non-finite block output: stage1.unit0 (the input batch was finite)" */
export function describeNonFinite(report: NonFiniteReport): string {
  const input = report.inputNonFinite ? 'the input batch already held NaN or infinite values' : 'the input batch was finite';
  if (report.first === undefined) return `every block output and the logits were finite, the loss itself overflowed (${input})`;
  if (report.first === 'head') return `every block output was finite, the first non-finite output was the head's logits (${input})`;
  return `the first block whose output was not finite: ${report.first} (${input})`;
}

/** The first parameter or running statistic that holds a NaN or infinity. */
export function firstNonFiniteWeight(network: Network): string | undefined {
  for (const [name, v] of [...network.weights.params, ...network.weights.buffers]) if (!allFinite(v)) return name;
  return undefined;
}
