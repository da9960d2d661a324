// A tiny network whose every tensor is seeded-random (positive variances, gamma around 1, so that no BatchNorm is
// the identity), with its parameters read back in float64 for the plain-loop reference (networkReference.ts).
import { describeArchitecture } from '../../../engine/model/architecture';
import type { RevNetConfig } from '../../../engine/model/config';
import { networkFromTensors, type RevNet } from '../../../engine/model/network';
import { SeededRandom } from '../../../engine/util/random';
import type { BasicResidual, BatchNormParams } from './networkReference';

/** a squeeze stem and one stage of two basic units (3-channel-wide F and G) on 8x8x1 images */
export function tinyReferenceConfig(name: string): RevNetConfig {
  return {
    name,
    input: { height: 8, width: 8, channels: 1 },
    classes: 2,
    stem: { kind: 'squeeze' },
    stages: [{ units: 2, channels: 4, residual: 'basic', width: 3, downsample: 'none' }],
    head: { pool: 'global-average' },
  };
}

export interface SeededTinyNetwork {
  net: RevNet;
  host: Map<string, { shape: number[]; data: Float32Array }>;
  f64(name: string): Float64Array;
  bnParams(prefix: string): BatchNormParams;
  /** a basic residual of the tiny config (width 3, 2 channels out) */
  residualParams(prefix: string, withBn1: boolean): BasicResidual;
}

/** `weightScale`: the standard deviation of the convolution weights (larger: a Jacobian farther from the identity) */
export function seededTinyNetwork(config: RevNetConfig, seed: number, weightScale: number): SeededTinyNetwork {
  const arch = describeArchitecture(config);
  const random = new SeededRandom(seed);
  const host = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of [...arch.params, ...arch.buffers]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, () => {
      if (name.endsWith('.variance')) return 0.5 + random.next();
      if (name.endsWith('.gamma')) return 0.5 + random.next();
      return random.normal() * (name.endsWith('.weight') ? weightScale : 0.3);
    });
    host.set(name, { shape, data });
  }
  const f64 = (name: string): Float64Array => Float64Array.from((host.get(name) as { data: Float32Array }).data);
  const bnParams = (prefix: string): BatchNormParams => ({
    gamma: f64(`${prefix}.gamma`),
    beta: f64(`${prefix}.beta`),
    mean: f64(`${prefix}.mean`),
    variance: f64(`${prefix}.variance`),
  });
  const residualParams = (prefix: string, withBn1: boolean): BasicResidual => {
    const r: BasicResidual = { conv1: f64(`${prefix}.conv1.weight`), bn2: bnParams(`${prefix}.bn2`), conv2: f64(`${prefix}.conv2.weight`), width: 3, out: 2 };
    if (withBn1) r.bn1 = bnParams(`${prefix}.bn1`);
    return r;
  };
  return { net: networkFromTensors(config, host), host, f64, bnParams, residualParams };
}
