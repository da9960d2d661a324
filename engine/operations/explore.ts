// EngineOperations.explore (the panel's Invert view): one image through the trunk (BatchNorm in inference
// mode), its output edited (channels zeroed or scaled, seeded Gaussian noise, interpolation towards another
// sample's output), and the edited output inverted back to an image. Images are in pixel space: the network
// sees them normalised (the model's stored normalisation, else the data's own statistics for data samples),
// and the inverted image is mapped back before it is compared with the input.
import * as tf from '@tensorflow/tfjs-core';
import type { ExploreParams, ExploreResult, OutputEdit } from '../../protocol/engineApi';
import type { PlainTensor } from '../../protocol/tensor';
import { readTensorToInvert } from './tensorToInvert';
import { activationError } from '../inspect/errorStats';
import { loadInspectionData, type InspectionData } from '../inspect/inspectionData';
import { resolveModel } from '../model/resolveModel';
import { inferenceEstimate } from '../limits/estimates';
import { checkMemoryLimit, resolveMemoryLimit } from '../limits/memoryLimit';
import { isInvertible } from '../model/architecture';
import { forwardTrunk } from '../model/forward';
import { describeStop, invertFromYielding } from '../model/invert';
import { architectureOf, inferenceContext } from '../model/network';
import { runStepsYielding } from '../model/trunk';
import type { Network } from '../model/network.types';
import { SeededRandom } from '../util/random';
import type { CancelSignal } from '../util/cancelSignal';
import { NOT_CANCELLED, stopPoint } from './stopPoint';

export class ExploreError extends Error {}

interface Normalization {
  mean: number[];
  std: number[];
}

function plain(shape: number[], data: ArrayLike<number>): PlainTensor {
  return { shape, dtype: 'float32', data: Array.from(data) };
}

/** why the trunk's output does not lead back to the image, or undefined when it does */
export function trunkInversionProblem(network: Network): string | undefined {
  const steps = architectureOf(network).steps;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i];
    if (!isInvertible(step)) {
      return `the trunk of model "${network.config.name}" is not invertible to the image: ${describeStop(step)} (the Invert view needs a trunk built from squeezes and reversible units, like the mnist-tiny and mnist-small presets)`;
    }
  }
  return undefined;
}

/** one image (HWC pixels) of the data's test split */
function sampleImage(data: InspectionData, index: number): { pixels: Float32Array; label: number } {
  const { split, dataset } = data;
  if (!Number.isInteger(index) || index < 0 || index >= split.count) {
    throw new ExploreError(`sample ${index} does not exist: ${data.name} has ${split.count} test images (0-${split.count - 1})`);
  }
  const pixels = dataset.height * dataset.width * dataset.channels;
  return { pixels: split.images.slice(index * pixels, (index + 1) * pixels), label: split.labels[index] };
}

function normalize(pixels: Float32Array, n: Normalization | undefined, channels: number): Float32Array {
  if (n === undefined) return Float32Array.from(pixels);
  return pixels.map((v, i) => (v - n.mean[i % channels]) / n.std[i % channels]);
}

function denormalize(values: Float32Array, n: Normalization | undefined, channels: number): Float32Array {
  if (n === undefined) return Float32Array.from(values);
  return values.map((v, i) => v * n.std[i % channels] + n.mean[i % channels]);
}

function checkChannels(channels: number[], count: number, edit: number): void {
  for (const c of channels) {
    if (!Number.isInteger(c) || c < 0 || c >= count) throw new ExploreError(`edits[${edit}]: channel ${c} does not exist; the output has channels 0-${count - 1}`);
  }
}

/** applies the edits in order to an output (HWC values, channels last) */
export function applyEdits(output: Float32Array, channels: number, edits: OutputEdit[], otherOutput: (sample: number) => Float32Array): Float32Array {
  let edited = Float32Array.from(output);
  edits.forEach((edit, index) => {
    switch (edit.kind) {
      case 'zeroChannels':
      case 'scaleChannels': {
        checkChannels(edit.channels, channels, index);
        const factor = edit.kind === 'zeroChannels' ? 0 : edit.factor;
        if (!Number.isFinite(factor)) throw new ExploreError(`edits[${index}]: factor must be a finite number, got ${factor}`);
        const chosen = new Set(edit.channels);
        edited = edited.map((v, i) => (!chosen.has(i % channels) ? v : factor === 0 ? 0 : v * factor));
        break;
      }
      case 'noise': {
        if (!Number.isFinite(edit.std) || edit.std < 0) throw new ExploreError(`edits[${index}]: std must be a number ≥ 0, got ${edit.std}`);
        const random = new SeededRandom(edit.seed);
        edited = edited.map((v) => v + edit.std * random.normal());
        break;
      }
      case 'interpolate': {
        if (!Number.isFinite(edit.t)) throw new ExploreError(`edits[${index}]: t must be a finite number, got ${edit.t}`);
        const other = otherOutput(edit.otherSample);
        edited = edited.map((v, i) => (1 - edit.t) * v + edit.t * other[i]);
        break;
      }
      default: {
        const unknown: never = edit;
        throw new ExploreError(`edits[${index}]: unknown edit kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
      }
    }
  });
  return edited;
}

function trunkOutput(network: Network, normalized: Float32Array, shape: readonly number[]): Float32Array {
  return tf.tidy(() => {
    const images = tf.tensor4d(normalized, [1, shape[0], shape[1], shape[2]]);
    const { features } = forwardTrunk(network, images);
    return Float32Array.from(features.dataSync() as Float32Array);
  });
}

/** trunkOutput block by block, with `pause()` awaited after each */
async function trunkOutputYielding(network: Network, normalized: Float32Array, shape: readonly number[], pause: () => Promise<void>): Promise<Float32Array> {
  const steps = architectureOf(network).steps;
  const images = tf.tensor4d(normalized, [1, shape[0], shape[1], shape[2]]);
  let features: tf.Tensor4D;
  try {
    features = await runStepsYielding(inferenceContext(network), steps, 0, steps.length - 1, images, pause);
  } finally {
    images.dispose();
  }
  try {
    return Float32Array.from(features.dataSync() as Float32Array);
  } finally {
    features.dispose();
  }
}

export async function explore(params: ExploreParams, cancel: CancelSignal = NOT_CANCELLED): Promise<ExploreResult> {
  // one image at a time through the trunk and back: checked before the network is built
  const limit = resolveMemoryLimit(params.memoryLimitBytes);
  const resolved = await resolveModel(params.model, {
    beforeBuild: (config) => checkMemoryLimit(inferenceEstimate(config, 1), limit, `exploring model "${config.name}" (one image)`),
  });
  const { network, config } = resolved;
  try {
    const problem = trunkInversionProblem(network);
    if (problem !== undefined) throw new ExploreError(problem);
    const arch = architectureOf(network);
    const { height, width, channels } = config.input;
    const [outH, outW, outC] = arch.trunkShape;
    const needsData = 'sample' in params.source || params.edits.some((edit) => edit.kind === 'interpolate');
    const data = needsData ? loadInspectionData(config, params.data, 0, undefined, limit) : undefined;
    const normalization = config.normalization ?? (data !== undefined && 'sample' in params.source ? data.normalization : undefined);

    const pause = () => stopPoint(cancel, 'explore');
    // interpolation samples go through at once (applyEdits is synchronous); the shown image block by block
    const outputOf = (image: Float32Array) => trunkOutput(network, normalize(image, normalization, channels), [height, width, channels]);
    const outputOfYielding = (image: Float32Array) => trunkOutputYielding(network, normalize(image, normalization, channels), [height, width, channels], pause);
    const imageOf = async (features: Float32Array): Promise<Float32Array> => {
      const tensor = tf.tensor4d(features, [1, outH, outW, outC]);
      let image: tf.Tensor4D;
      try {
        image = (await invertFromYielding(network, tensor, 'trunk', pause, { strict: true })).input;
      } finally {
        tensor.dispose();
      }
      const inverted = Float32Array.from(image.dataSync() as Float32Array);
      image.dispose();
      return denormalize(inverted, normalization, channels);
    };
    let pixels: Float32Array;
    let output: Float32Array;
    let label: number | undefined;
    let note: string | undefined;
    if ('sample' in params.source) {
      const sample = sampleImage(data as InspectionData, params.source.sample);
      pixels = sample.pixels;
      label = sample.label;
      await pause();
      output = await outputOfYielding(pixels);
    } else {
      // the palette's rule (tensorToInvert.ts): one image, or a batch of trunk outputs whose first is shown
      const path = params.source.npyPath;
      const read = readTensorToInvert(path, { modelName: config.name, image: [height, width, channels], output: [outH, outW, outC], outputName: 'the trunk' }, {
        beforeAllocating: (batch) => checkMemoryLimit(inferenceEstimate(config, batch), limit, `reading ${batch} tensors of ${path} for model "${config.name}"`),
      });
      const itemSize = read.tensor.shape[1] * read.tensor.shape[2] * read.tensor.shape[3];
      const first = Float32Array.from((read.tensor.dataSync() as Float32Array).subarray(0, itemSize));
      const batch = read.tensor.shape[0];
      read.tensor.dispose();
      await pause();
      if (read.kind === 'image') {
        pixels = first;
        output = await outputOfYielding(pixels);
      } else {
        output = first;
        pixels = await imageOf(output);
        note = `${path} holds ${batch === 1 ? 'one trunk output' : `${batch} trunk outputs; the first is shown`}: "input" is its inversion, so the difference shows what the edits change`;
      }
    }
    const edited = applyEdits(output, outC, params.edits, (sample) => outputOf(sampleImage(data as InspectionData, sample).pixels));
    await pause();
    const invertedPixels = await imageOf(edited);
    const difference = invertedPixels.map((v, i) => Math.abs(pixels[i] - v));
    const error = activationError(pixels, invertedPixels, channels);
    const result: ExploreResult = {
      input: plain([height, width, channels], pixels),
      output: plain([outH, outW, outC], output),
      edited: plain([outH, outW, outC], edited),
      inverted: plain([height, width, channels], invertedPixels),
      difference: plain([height, width, channels], difference),
      maxAbs: error.maxAbs,
      relL2: error.relL2,
    };
    if (label !== undefined) result.label = label;
    if (note !== undefined) result.note = note;
    return result;
  } finally {
    network.dispose();
  }
}
