// SGD with momentum and L2 weight decay, the paper's optimiser, in the PyTorch/Caffe form:
//   d = g + weightDecay * w   (kernels only, see takesWeightDecay)
//   v = momentum * v + d
//   w = w - lr * v
import * as tf from '@tensorflow/tfjs-core';
import { updateOnHost } from './hostUpdate';
import { StateSlots } from './stateSlots';
import type { Optimizer, OptimizerState } from './types';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
}

export class SgdOptimizer implements Optimizer {
  readonly name = 'sgd' as const;
  private readonly velocity = new StateSlots('velocity');

  constructor(readonly options: SgdOptions) {}

  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    const { momentum, weightDecay } = this.options;
    updateOnHost(params, grads, weightDecay, (name, variable, w, g, decay) => {
      if (momentum === 0) {
        for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + decay * w[i]);
        return;
      }
      const v = this.velocity.get(name, variable);
      for (let i = 0; i < w.length; i++) {
        v[i] = momentum * v[i] + (g[i] + decay * w[i]);
        w[i] -= lr * v[i];
      }
    });
  }

  saveState(): OptimizerState {
    const tensors: OptimizerState['tensors'] = new Map();
    this.velocity.save(tensors);
    return { tensors, scalars: {} };
  }

  loadState(state: OptimizerState, params: Map<string, tf.Variable>): void {
    const problems: string[] = [];
    this.velocity.load(state.tensors, params, problems);
    if (problems.length > 0) throw new Error(`the SGD state does not fit the model:\n  ${problems.join('\n  ')}`);
  }

  describe(): string {
    return `sgd(momentum=${this.options.momentum}, weightDecay=${this.options.weightDecay})`;
  }

  dispose(): void {
    this.velocity.dispose();
  }
}
