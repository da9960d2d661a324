// Adam (Kingma & Ba), with optional L2 weight decay added to the gradient of kernels:
//   g' = g + weightDecay * w;  m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2
//   w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon)
import * as tf from '@tensorflow/tfjs-core';
import { StateSlots } from './stateSlots';
import { takesWeightDecay, type Optimizer, type OptimizerState } from './types';

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
    for (const [name, variable] of params) {
      const grad = grads.get(name);
      if (grad === undefined) continue;
      const m0 = this.firstMoment.get(name, variable);
      const v0 = this.secondMoment.get(name, variable);
      const [m, v] = tf.tidy(() => {
        const g = weightDecay !== 0 && takesWeightDecay(name) ? tf.add(grad, tf.mul(variable, weightDecay)) : grad;
        const m1 = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(g), 1 - beta2));
        const update = tf.div(tf.div(m1, correction1), tf.add(tf.sqrt(tf.div(v1, correction2)), epsilon));
        variable.assign(tf.sub(variable, tf.mul(update, lr)));
        return [m1, v1];
      });
      this.firstMoment.set(name, m);
      this.secondMoment.set(name, v);
    }
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
