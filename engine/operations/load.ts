// EngineOperations.load: a model's summary (parameters, FLOPs, which parts invert, its units), checking that
// its config is valid and its weights (if any) match it.
import type { LoadParams, ModelSummary } from '../../protocol/engineApi';
import { resolveModel } from '../model/resolveModel';
import { analyzeModel } from '../model/analysis';
import { isUnit } from '../model/architecture';
import { architectureOf } from '../model/network';
import { checkModelFits } from '../limits/estimates';
import { resolveMemoryLimit } from '../limits/memoryLimit';

export async function load(params: LoadParams): Promise<ModelSummary> {
  const { network, config } = await resolveModel(params.model, { beforeBuild: checkModelFits(resolveMemoryLimit(params.memoryLimitBytes), 'loading') });
  try {
    const analysis = analyzeModel(config, 1);
    const blocks = architectureOf(network)
      .steps.filter(isUnit)
      .map((step) => ({ id: step.id, stage: step.stage, unit: step.unit, kind: step.kind }));
    return {
      name: config.name,
      params: analysis.totals.params,
      flops: analysis.totals.flops,
      invertibleParts: analysis.invertibleParts,
      trunkInvertible: analysis.trunkInvertible,
      blocks,
      input: { ...config.input },
      classes: config.classes,
    };
  } finally {
    network.dispose();
  }
}
