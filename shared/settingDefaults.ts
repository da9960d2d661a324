// The default of every `revnet.*` setting, in one place: package.json's contributes.configuration states
// the same values (test/unit/shared/settingDefaults.test.ts checks), the extension falls back to them,
// the engine and the CLI use them when a request or a command line leaves the value out, and the panel
// starts with them until the host sends the settings.
import type { BackendName } from '../protocol/engineApi';

export const SETTING_DEFAULTS = {
  backend: 'auto' as BackendName,
  /** auto: the data follows the model (engine/data/defaultData.ts), as `revnet train` without --data */
  defaultData: 'auto' as 'auto' | 'mnist' | 'ask',
  /** examples per batch when inspecting: small enough for a quick first look on a laptop */
  'inspect.batchSize': 16,
  /** Lipschitz estimates, out-of-distribution probes (costly: off unless asked) */
  'inspect.stability': false,
  /** max |Δ| above which a block is flagged: float32 round-off over a few blocks stays far below it */
  errorThreshold: 1e-4,
  /** 0: the engine's default for the model, the same as `revnet train`'s */
  'train.batchSize': 0,
  'train.maxSteps': 0,
  /** λ of the bi-Lipschitz regularizer during training; 0: off, the training step exactly as without it */
  stabilityReg: 0,
  /** 0: the engine's own limit (REVNET_MEMORY_LIMIT, else half the machine's memory) */
  memoryLimitMB: 0,
  /** training threads (data-parallel workers, engine/parallel): 0 one per core, 1 the engine's own thread */
  threads: 0,
};

export type SettingName = keyof typeof SETTING_DEFAULTS;
