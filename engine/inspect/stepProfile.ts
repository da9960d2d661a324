// Measured memory of one training step: TensorFlow.js's profile records the bytes of live tensors after every
// kernel; the backprop hooks say which unit is running, so each point of the timeline carries its block.
//
// Reported bytes are those the step itself holds: the profile's totals minus whatever was alive before the
// step, plus the model's weights and the batch (alive throughout). So the figure does not depend on other
// tensors the process happens to hold, and a model copy measured beside the original is not charged for it.
import * as tf from '@tensorflow/tfjs-core';
import type { TimelinePoint } from '../../protocol/inspectReport';
import { computeGradientsWithHooks, type BackpropHooks, type PassPhase } from '../backprop';
import type { Network, TrainMode } from '../model/network.types';

export interface StepProfile {
  peakBytes: number;
  timeline: TimelinePoint[];
}

/** longer timelines are thinned to this many points, keeping the largest point of each stretch (and so the peak) */
export const MAX_TIMELINE_POINTS = 4000;

interface TapeNode {
  gradient?: (dys: tf.Tensor[]) => unknown;
}

interface EngineInternals {
  state: {
    activeProfile: { kernels: unknown[] };
    activeTape: TapeNode[] | null;
  };
}

// The engine's profile and tape are not public API (tfjs-core 4.x): read them defensively.
function internals(): EngineInternals {
  return tf.engine();
}

function kernelsSoFar(): number {
  return internals().state.activeProfile.kernels.length;
}

interface Marker {
  fromKernel: number;
  block: string;
  phase: PassPhase;
}

/**
 * Standard mode runs its backward pass inside autodiff, which has no unit hooks. Every tape node recorded
 * while a unit runs forward gets its gradient function wrapped, so that autodiff, walking the tape backwards,
 * announces that unit before running the unit's gradient kernels.
 */
function labelTapeNodes(mark: (block: string, phase: PassPhase) => void): { enter(block: string): void } {
  let current = '';
  let patched: TapeNode[] | null = null;
  const wrap = (node: TapeNode): void => {
    const gradient = node.gradient;
    if (gradient === undefined) return;
    const block = current;
    node.gradient = (dys) => {
      mark(block, 'backward');
      return gradient(dys);
    };
  };
  return {
    enter(block: string): void {
      current = block;
      const tape = internals().state.activeTape;
      if (tape === null || tape === patched) return;
      patched = tape;
      const push = tape.push.bind(tape);
      tape.push = (...nodes: TapeNode[]) => {
        nodes.forEach(wrap);
        return push(...nodes);
      };
    },
  };
}

function thin(points: TimelinePoint[], limit: number): TimelinePoint[] {
  if (points.length <= limit) return points;
  const out: TimelinePoint[] = [];
  const stretch = points.length / limit;
  for (let k = 0; k < limit; k++) {
    let best: TimelinePoint | undefined;
    for (let i = Math.floor(k * stretch); i < Math.floor((k + 1) * stretch); i++) {
      const point = points[i];
      if (best === undefined || point.bytes > best.bytes) best = point;
    }
    if (best !== undefined) out.push(best);
  }
  return out;
}

function ownedBytes(network: Network, tensors: tf.Tensor[]): number {
  let bytes = 0;
  for (const v of [...network.weights.params.values(), ...network.weights.buffers.values(), ...tensors]) {
    bytes += v.size * 4;
  }
  return bytes;
}

/**
 * one training step under the profiler; moves the BatchNorm running statistics once (the caller restores them);
 * `onGradients` sees the step's gradients before they are released, and `onRebuilt` (reversible mode) each input its
 * backward pass rebuilds, so that one step serves several measures
 */
export async function profileStep(
  network: Network,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  mode: TrainMode,
  onGradients?: (grads: ReadonlyMap<string, tf.Tensor>) => void,
  onRebuilt?: BackpropHooks['onRebuilt'],
): Promise<StepProfile> {
  const markers: Marker[] = [{ fromKernel: 0, block: 'stem', phase: 'forward' }];
  const mark = (block: string, phase: PassPhase): void => {
    const last = markers[markers.length - 1];
    if (last.block === block && last.phase === phase) return;
    markers.push({ fromKernel: kernelsSoFar(), block, phase });
  };
  const tape = labelTapeNodes(mark);
  const hooks: BackpropHooks = {
    onUnit(id, phase) {
      mark(id, phase);
      if (mode === 'standard' && phase === 'forward') tape.enter(id);
    },
    ...(onRebuilt !== undefined ? { onRebuilt } : {}),
  };
  const before = tf.memory().numBytes;
  const profile = await tf.profile(() => {
    const { loss, logits, grads } = computeGradientsWithHooks(network, images, labels, mode, hooks);
    try {
      onGradients?.(grads);
    } finally {
      tf.dispose([loss, logits, ...grads.values()]);
    }
  });
  const offset = ownedBytes(network, [images, labels]) - before;
  const points: (TimelinePoint & { phase: PassPhase })[] = [];
  let m = 0;
  profile.kernels.forEach((kernel, index) => {
    while (m + 1 < markers.length && markers[m + 1].fromKernel <= index) m++;
    const marker = markers[m];
    points.push({ kernel: kernel.name, bytes: kernel.totalBytesSnapshot + offset, block: marker.block, phase: marker.phase });
  });
  const peakBytes = points.reduce((peak, point) => Math.max(peak, point.bytes), 0);
  return { peakBytes, timeline: thin(points, MAX_TIMELINE_POINTS) };
}
