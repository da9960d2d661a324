// The stability measurements: `revnet inspect --stability` (InspectReport.stability) and the per-step
// tracking of `revnet train` (RUN_DIR/stability.jsonl, one StabilityRecord a line).
// A documented interface (docs/inspect-json.md, docs/stability.md): add fields, never rename or remove them.

/** the out-of-distribution probe batches, each made from the inspected batch */
export type ProbeName = 'gaussian' | 'scaled-2' | 'scaled-5' | 'uniform' | 'interpolation';

export interface LipschitzEstimate {
  /** the largest singular value of the map's Jacobian at the inspected batch (power iteration on JᵀJ) */
  value: number;
  iterations: number;
  /** |σₖ − σₖ₋₁| / σₖ at the last iteration */
  lastRelativeChange: number;
  converged: boolean;
}

export interface ReconstructionErrors {
  /** one-block: ‖x − F⁻¹(F(x))‖₂ / ‖x‖₂ */
  oneBlockRelL2: number;
  /** chain: ‖x − x̂‖₂ / ‖x‖₂, x̂ rebuilt from the output of the unit's invertible segment */
  chainRelL2: number;
}

export interface BlockStability {
  /** a reversible unit, e.g. "stage1.unit0" */
  id: string;
  /** of the unit's map x ↦ y at the batch */
  forwardLipschitz: LipschitzEstimate;
  /** of the inverse map y ↦ x at the batch's outputs */
  inverseLipschitz: LipschitzEstimate;
  /** forward × inverse Lipschitz: ≥ 1; large where the unit is close to losing invertibility */
  conditionNumber: number;
  /** ‖x‖₂ of the unit's true input over the batch */
  inputNorm: number;
  /** float32, in distribution */
  errors: ReconstructionErrors;
  /** the bound on the chain error from the later units' one-block errors and inverse Lipschitz constants, relative to ‖x‖₂ */
  predictedChainRelL2: number;
  /** float64 plain loops from the same float32 inputs (`--reference float64`): rounding-free reconstruction */
  float64?: ReconstructionErrors;
  /** float32 errors on each out-of-distribution probe */
  probes: Partial<Record<ProbeName, ReconstructionErrors>>;
}

export interface PartStability {
  /** "stage1", "trunk", …: a run of invertible steps */
  id: string;
  forwardLipschitz: LipschitzEstimate;
  inverseLipschitz: LipschitzEstimate;
  conditionNumber: number;
}

export interface StabilityReport {
  /** BatchNorm mode of every figure (the inspection's reconstruction mode) */
  mode: 'training' | 'inference';
  /** examples the stability figures use: the first ones of the inspected batch */
  batchSize: number;
  /** how Jv is computed: a VJP of a VJP, or a central finite difference */
  jvp: 'double-vjp' | 'finite-difference';
  maxIterations: number;
  tolerance: number;
  probes: { name: ProbeName; description: string }[];
  blocks: BlockStability[];
  /** stages made only of invertible steps, and the whole trunk when it inverts */
  parts: PartStability[];
  /** wall time of the stability measurements */
  elapsedMs: number;
}

/** one line of RUN_DIR/stability.jsonl: the tracking at one training step, on a fixed probe batch */
export interface StabilityRecord {
  step: number;
  epoch: number;
  /** per reversible unit, in trunk order */
  blocks: { id: string; oneBlockRelL2: number; chainRelL2: number; oneBlockMaxAbs?: number; chainMaxAbs?: number; inverseLipschitz?: number }[];
  /** the largest inverse Lipschitz estimate and its unit (absent when not measured at this step) */
  worstInverseLipschitz?: { id: string; value: number };
  /** reversible against standard gradients of the probe batch: ‖g_rev − g_std‖ / ‖g_std‖ and cosine */
  gradientAgreement?: { relErr: number; cosine: number };
  /** wall time of this measurement */
  elapsedMs: number;
}

/** what `inspect` measures for its stability report (InspectParams.stability; absent: no stability report) */
export interface StabilityParams {
  /** examples used, the first ones of the inspected batch (default 8) */
  batchSize?: number;
  /** also rebuild every unit's input in float64 plain loops (`--reference float64`) */
  float64?: boolean;
  /** reconstruction on the out-of-distribution probes (default true) */
  probes?: boolean;
  /** Lipschitz constants of invertible stages and of the trunk (default true) */
  parts?: boolean;
  /** power iteration: at most this many steps (default 50) */
  maxIterations?: number;
}
