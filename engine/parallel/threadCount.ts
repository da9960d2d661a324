// How many data-parallel training threads a run uses: `--threads` / `revnet.threads`, where 0 (the default)
// means one per core. The native backend (tfjs-node) already spreads its kernels over the cores, so it runs
// in this thread; and no run uses more threads than its batch has examples.
import { availableParallelism } from 'node:os';
import { SETTING_DEFAULTS } from '../../shared/settingDefaults';

export function checkThreads(requested: number | undefined): number {
  const asked = requested ?? SETTING_DEFAULTS.threads;
  if (!Number.isSafeInteger(asked) || asked < 0) throw new Error(`threads must be a whole number ≥ 0 (0: one per core), got ${asked}`);
  return asked;
}

export function resolveThreads(requested: number | undefined, backend: string, batchSize: number): number {
  const asked = checkThreads(requested);
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  const wanted = asked === 0 ? availableParallelism() : asked;
  return Math.max(1, Math.min(wanted, batchSize));
}
