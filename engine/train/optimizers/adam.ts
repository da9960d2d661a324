// Adam (Kingma & Ba), with optional L2 weight decay added to the gradient of kernels:
//   g' = g + weightDecay * w;  m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2
//   w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon)
import * as tf from '@tensorflow/tfjs-core';
import { updateOnHost } from './hostUpdate';
import { StateSlots } from './stateSlots';
import type { Optimizer, OptimizerState } from './types';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const DEFAULT_ADAM: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

export class AdamOptimizer implements Optimizer {
  readonly name = 'adam' as const;
  private readonly firstMoment = new StateSlots('m');
  private readonly secondMoment = new StateSlots('v');
  /** updates taken so far (t in the bias corrections) */
  private step = 0;

  constructor(readonly options: AdamOptions) {}

  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    this.step += 1;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    updateOnHost(params, grads, weightDecay, (name, variable, w, g, decay) => {
      const m = this.firstMoment.get(name, variable);
      const v = this.secondMoment.get(name, variable);
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] + decay * w[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        w[i] -= (lr * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
      }
    });
  }

  saveState(): OptimizerState {
    const tensors: OptimizerState['tensors'] = new Map();
    this.firstMoment.save(tensors);
    this.secondMoment.save(tensors);
    return { tensors, scalars: { step: this.step } };
  }

  loadState(state: OptimizerState, params: Map<string, tf.Variable>): void {
    const problems: string[] = [];
    this.firstMoment.load(state.tensors, params, problems);
    this.secondMoment.load(state.tensors, params, problems);
    const step = state.scalars['step'] as number | undefined;
    if (step === undefined || !Number.isSafeInteger(step) || step < 0) problems.push(`Adam's step count is ${String(step)}, expected a whole number`);
    if (problems.length > 0) throw new Error(`the Adam state does not fit the model:\n  ${problems.join('\n  ')}`);
    this.step = step as number; // checked above: a bad step is one of the problems thrown
  }

  describe(): string {
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    return `adam(beta1=${beta1}, beta2=${beta2}, epsilon=${epsilon}, weightDecay=${weightDecay})`;
  }

  dispose(): void {
    this.firstMoment.dispose();
    this.secondMoment.dispose();
  }
}
