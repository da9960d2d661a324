// Overview: what the model is, where it came from, what ran it, and one row per block.
import { el, num, table } from '../dom';
import { formatBytes, formatCount, formatFlops, formatPercent, formatShape, formatSi } from '../../shared/format';
import { blockCell, markRows, noReport, section, tiles } from './common';
import type { View, ViewContext } from './view';

/** the weights file's origin when it has no training record (never "fresh weights" beside a weights file) */
function importedText(imported: { source: string; verified: boolean; maxAbsDifference?: number; tolerance?: number } | undefined): string {
  if (imported === undefined) return 'no training record (weights from the file)';
  if (!imported.verified) return `imported from ${imported.source}, UNVERIFIED: its logits were never checked against the source model's`;
  const agreement = imported.maxAbsDifference !== undefined ? `, logits agree with the source model to ${imported.maxAbsDifference.toExponential(2)}` : '';
  const tolerance = imported.tolerance !== undefined ? ` (tolerance ${imported.tolerance.toExponential(2)})` : '';
  return `imported from ${imported.source}, verified${agreement}${tolerance}`;
}

export function overviewView(context: ViewContext): View {
  let blockTable: HTMLTableElement | undefined;
  return {
    name: 'overview',
    title: 'Overview',
    dependsOn: ['report', 'threshold', 'selection'],
    render(element) {
      const { store } = context;
      const report = store.report;
      if (!report) { noReport(element); return; }
      const m = report.model;
      const training = m.lastTraining;
      const trainingText = training
        ? [
            `${training.epochs} epoch${training.epochs === 1 ? '' : 's'}`,
            training.testAccuracy !== undefined ? `test accuracy ${formatPercent(training.testAccuracy)}` : undefined,
            training.finalLoss !== undefined ? `final loss ${training.finalLoss.toFixed(4)}` : undefined,
            training.finishedAt,
          ].filter(Boolean).join(', ')
        : m.weightsPath !== undefined
          ? importedText(m.imported)
          : 'not trained (fresh weights)';
      const flagged = report.blocks.filter((b) => store.isFlagged(b)).length;
      const invertible = report.blocks.filter((b) => b.kind === 'reversible').length;
      element.appendChild(el('h2', { class: 'model-name' }, m.name));
      element.appendChild(
        tiles([
          ['Config file', m.configPath ?? (m.preset ? `preset ${m.preset}` : '—'), 'config'],
          ['Weights', m.weightsPath ?? '—', 'weights'],
          ['Backend', report.backend, 'backend'],
          ['Parameters (weights)', formatCount(m.params), 'params'],
          ['FLOPs / example', formatFlops(m.flops), 'flops'],
          ['Input', `${m.input.height}×${m.input.width}×${m.input.channels}, ${m.classes} classes`, 'input'],
          ['Blocks', `${report.blocks.length} (${invertible} reversible, ${report.blocks.length - invertible} transitions)`, 'blocks'],
          ['Flagged blocks', `${flagged} of ${report.blocks.length} with reconstruction max |Δ| over ${store.errorThreshold.toExponential(2)}`, 'flagged'],
          ['Invertible parts', m.invertibleParts.join(', ') || 'none', 'invertible'],
          ['Trunk inverts to image', m.trunkInvertible ? 'yes' : 'no', 'trunk'],
          ['Last training', trainingText, 'training'],
          ['Inspected on', `${report.data}, batch ${report.batchSize}, ${report.createdAt}`, 'inspected'],
        ]),
      );
      const refresh = el('vscode-button', { secondary: true, id: 'refresh-overview' }, 'Inspect again');
      refresh.addEventListener('click', () => context.host.post({ type: 'refresh' }));
      element.appendChild(el('div', { class: 'toolbar' }, refresh));
      blockTable = table(
        'Blocks in network order',
        ['Block', 'Kind', 'Residual', 'Input', 'Output', 'Parameters', 'FLOPs', 'Stored activations'],
        report.blocks.map((b) => [
          blockCell(b, context),
          b.kind,
          b.residual,
          formatShape(b.inputShape),
          formatShape(b.outputShape),
          num(formatCount(b.params)),
          num(formatSi(b.flops)),
          num(formatBytes(b.memory.storedBytes)),
        ]),
      );
      blockTable.id = 'overview-blocks';
      markRows(blockTable, report.blocks, store.selectedBlock, (b) => store.isFlagged(b));
      element.appendChild(section('Blocks', blockTable));
    },
    update(change) {
      if (change !== 'selection' || !blockTable || !context.store.report) return false;
      markRows(blockTable, context.store.report.blocks, context.store.selectedBlock, (b) => context.store.isFlagged(b));
      return true;
    },
    dispose() {
      blockTable = undefined;
    },
  };
}
