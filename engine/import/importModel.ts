// `revnet import`: a PyTorch state_dict (safetensors) and a config describing the same network, mapped,
// converted, checked against the source model's own logits, and written as a model pair.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { readSafetensors } from '../io/safetensors';
import { describeArchitecture } from '../model/architecture';
import type { ImportMetadata, RevNetConfig } from '../model/config';
import { loadConfig } from '../model/loadConfig';
import { CONFIG_SUFFIX, modelPaths, saveModel } from '../model/saveLoad';
import { networkFromTensors } from '../model/network';
import type { Network } from '../model/network.types';
import { checkLogits, type LogitCheck } from './checkLogits';
import { convertMapped } from './convertMapped';
import { ImportError, mapByOrder, mapByRules, readMappingFile, shapeText, type Mapping, type SourceTensor } from './mapping';
import { conventionHint } from './conventionHint';
import { torchTargets } from './torchTargets';

export interface ImportOptions {
  statePath: string;
  configPath: string;
  outDir: string;
  /** default: the config file's base name */
  name?: string;
  mappingPath?: string;
  check?: { inputsPath: string; logitsPath: string };
  force?: boolean;
  backend: string;
  /** "$schema" for the written config (relative to the out folder), when known */
  schema?: string;
}

export interface MappingRow {
  source: string;
  sourceShape: number[];
  ours: string;
  ourShape: number[];
}

export interface ImportResult {
  configPath: string;
  weightsPath: string;
  method: string;
  rows: MappingRow[];
  ignored: { name: string; reason: string }[];
  check?: LogitCheck;
  verified: boolean;
}

/** the user's tensors in state_dict order: the exporter's recorded order if present, else the order of their data in the file */
export function sourceTensors(statePath: string): { sources: SourceTensor[]; orderFrom: string } {
  const file = readSafetensors(statePath);
  const recorded = file.metadata['state_dict_order'];
  if (recorded !== undefined) {
    let names: unknown;
    try {
      names = JSON.parse(recorded);
    } catch {
      names = undefined;
    }
    if (!Array.isArray(names) || names.length !== file.tensors.size || !names.every((n) => typeof n === 'string' && file.tensors.has(n))) {
      throw new ImportError(`${statePath}: __metadata__.state_dict_order does not list exactly the file's tensors`);
    }
    return { sources: (names as string[]).map((name) => ({ name, tensor: file.tensors.get(name) as SourceTensor['tensor'] })), orderFrom: 'state_dict order recorded by the exporter' };
  }
  return { sources: [...file.tensors].map(([name, tensor]) => ({ name, tensor })), orderFrom: 'the order of the tensors\' data in the file' };
}

export async function importModel(options: ImportOptions): Promise<ImportResult> {
  const config = await loadConfig(options.configPath);
  const name = options.name ?? basename(options.configPath).replace(new RegExp(`${CONFIG_SUFFIX.replace('.', '\\.')}$|\\.json$`), '');
  const paths = modelPaths(options.outDir, name);
  if (options.force !== true) {
    const existing = [paths.configPath, paths.weightsPath].filter((path) => existsSync(path));
    if (existing.length > 0) throw new ImportError(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; choose another --out or --name, or give --force to replace the pair`);
  }
  const { sources, orderFrom } = sourceTensors(options.statePath);
  const targets = torchTargets(config);
  const weightCount = sources.filter((s) => !s.name.endsWith('num_batches_tracked')).length;
  const mapping: Mapping =
    options.mappingPath !== undefined
      ? mapByRules(sources, targets, readMappingFile(options.mappingPath), options.statePath, conventionHint(config, weightCount))
      : mapByOrder(sources, targets, options.statePath, conventionHint(config, weightCount));
  if (options.mappingPath === undefined) mapping.method = `${mapping.method} (${orderFrom})`;
  const architecture = describeArchitecture(config);
  const tensors = convertMapped(mapping, architecture);
  const network = networkFromTensors(config, tensors, options.statePath);
  try {
    const rows = mapping.pairs.map(({ source, target }) => ({ source: source.name, sourceShape: [...source.tensor.shape], ours: target.ourName, ourShape: target.ourShape }));
    let check: LogitCheck | undefined;
    if (options.check !== undefined) {
      check = checkLogits(network, options.check.inputsPath, options.check.logitsPath);
      if (!check.passed) {
        throw new ImportError(
          `the check failed: our logits differ from ${options.check.logitsPath} by up to ${check.maxAbsDifference.toExponential(3)} ` +
            `(tolerance ${check.tolerance.toExponential(3)} for float32, largest logit ${check.largestLogit.toFixed(3)}); ` +
            `${(check.argmaxAgreement * 100).toFixed(1)}% of ${check.examples} predictions agree. Nothing was written.\n` +
            '  The weights fit the config, so a convention that does not show in the weights differs: the squeeze order ' +
            '("conventions": {"squeezeOrder": "pixel-unshuffle"} for F.pixel_unshuffle), the padding of strided 3x3 convolutions, ' +
            'BatchNorm epsilon, the transition shortcut, or the check batch is not what your model received (docs/pytorch-import.md).',
        );
      }
    }
    const imported: ImportMetadata = { source: basename(options.statePath), verified: check !== undefined, importedAt: new Date().toISOString() };
    if (check !== undefined) {
      imported.maxAbsDifference = check.maxAbsDifference;
      imported.tolerance = check.tolerance;
      imported.checkedExamples = check.examples;
      imported.argmaxAgreement = check.argmaxAgreement;
      imported.backend = options.backend;
    }
    const written: RevNetConfig = { ...network.config, imported };
    delete written.training;
    if (options.schema !== undefined) written.$schema = options.schema;
    // the same weights under the config to write (the network itself keeps the config it was built from)
    const toSave: Network = { config: written, weights: network.weights, predict: (images) => network.predict(images), dispose: () => undefined };
    await mkdir(options.outDir, { recursive: true });
    await saveModel(options.outDir, name, toSave, config.normalization !== undefined ? { normalization: config.normalization } : {});
    const result: ImportResult = { ...paths, method: mapping.method, rows, ignored: mapping.ignored, verified: check !== undefined };
    if (check !== undefined) result.check = check;
    return result;
  } finally {
    network.dispose();
  }
}

/** The mapping table: source name and shape (the user's layout) → our name and shape. */
export function formatMappingTable(rows: MappingRow[]): string {
  const left = rows.map((r) => `${r.source} ${shapeText(r.sourceShape)}`);
  const width = Math.max(...left.map((l) => l.length), 'source (your file)'.length);
  const header = `${'source (your file)'.padEnd(width)}  →  ours`;
  return [header, ...rows.map((r, i) => `${(left[i]).padEnd(width)}  →  ${r.ours} ${shapeText(r.ourShape)}`)].join('\n');
}
