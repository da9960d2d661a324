// One-block and chain reconstruction errors in float64 (`--reference float64`): each invertible segment is run
// forwards from its float32 input in float64 loops, then inverted back in float64. What float32 loses on top
// of these is rounding; what is lost here too is ill-conditioning of the inverse itself.
import type { TrunkStep } from '../model/architecture';
import type { ReconstructionErrors } from '../../protocol/stabilityReport';
import { invertibleSegments, type ForwardActivations } from './blockErrors';
import { Float64Weights, reversibleForward64, reversibleInverse64, squeeze64, toArray64, unsqueeze64, type Array64 } from './float64Reference';

function relL2(truth: Float64Array, rebuilt: Float64Array): number {
  let dd = 0;
  let xx = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    dd += (t - (rebuilt[i])) ** 2;
    xx += t * t;
  }
  return xx === 0 ? Math.sqrt(dd) : Math.sqrt(dd / xx);
}

/** float64 errors of every reversible unit, by id */
export function float64Errors(activations: ForwardActivations): Map<string, ReconstructionErrors> {
  const { steps, training } = activations;
  const weights = new Float64Weights(activations.network);
  const out = new Map<string, ReconstructionErrors>();
  for (const [first, last] of invertibleSegments(steps)) {
    const start = activations.inputOf(first);
    const inputs: Array64[] = [];
    let h = toArray64(start.shape, start.dataSync());
    for (let i = first; i <= last; i++) {
      const step = steps[i];
      inputs.push(h);
      h = step.kind === 'squeeze' ? squeeze64(h) : reversibleForward64(step as Extract<TrunkStep, { kind: 'reversible' }>, weights, h, training);
    }
    let chain = h;
    for (let i = last; i >= first; i--) {
      const step = steps[i];
      const input = inputs[i - first];
      if (step.kind === 'squeeze') {
        chain = unsqueeze64(chain);
        continue;
      }
      if (step.kind !== 'reversible') throw new Error(`${step.id} is not invertible`);
      const output = inputs[i - first + 1] ?? h;
      const single = reversibleInverse64(step, weights, output, training);
      chain = reversibleInverse64(step, weights, chain, training);
      out.set(step.id, { oneBlockRelL2: relL2(input.data, single.data), chainRelL2: relL2(input.data, chain.data) });
    }
  }
  return out;
}
