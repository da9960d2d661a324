// Architecture: the network as a graph (stem, stages, units, transitions, head), each unit expanding in place
// to its coupling, shaded by what `revnet invert` runs back through, colored by any per-block measure.
// Click selects a block everywhere; arrows move through the blocks, Enter expands; wheel pans, Ctrl+wheel zooms.
import type { BlockStats } from '../../protocol/inspectReport';
import { type ArchitectureModel, buildArchitecture, type UnitNode } from '../graph/architectureModel';
import { type ColorScale, colorAt, makeScale, PALETTE, rgb, textOn } from '../graph/colorScale';
import type { Box } from '../graph/layout';
import { formatMeasure, listMeasures, type Measure } from '../graph/measures';
import { buildScene, type Scene, type SceneNode } from '../graph/scene';
import { pathThrough, svg } from '../graph/svg';
import { Viewport } from '../graph/viewport';
import { clear, el } from '../dom';
import { degreesFromCosine, formatDegrees, formatError, formatShape } from '../../shared/format';
import { noReport } from './common';
import type { View, ViewContext } from './view';

/** stages start collapsed when the network has more blocks than this */
export const DEEP_BLOCKS = 12;
const NO_OVERLAY = 'none';
const DEFAULT_MEASURES = ['reconstruction.chainMaxAbs', 'reconstruction.maxAbs', 'params'];

interface Diagnostics { __revnetRenderTimes?: Record<string, number[]> }

export function architectureView(context: ViewContext): View {
  let model: ArchitectureModel | undefined;
  let modelOf: unknown;
  let scene: Scene | undefined;
  const expandedStages = new Set<string>();
  const expandedUnits = new Set<string>();
  let measureKey: string | undefined;
  let measures: Measure[] = [];
  let svgElement: SVGSVGElement | undefined;
  let viewport: Viewport | undefined;
  let legend: HTMLElement | undefined;
  let info: HTMLElement | undefined;
  let live: HTMLElement | undefined;
  let hovered: SceneNode | undefined;

  function measure(): Measure | undefined {
    return measures.find((m) => m.key === measureKey);
  }

  function valueOf(m: Measure, block: BlockStats): number | undefined {
    const v = m.value(block);
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  }

  function resetFor(blocks: readonly BlockStats[]): void {
    expandedStages.clear();
    expandedUnits.clear();
    if (model && blocks.length <= DEEP_BLOCKS) for (const piece of model.pieces) if (piece.kind === 'stage') expandedStages.add(piece.id);
    measures = listMeasures(blocks);
    if (measureKey === undefined || (measureKey !== NO_OVERLAY && !measures.some((m) => m.key === measureKey))) {
      measureKey = DEFAULT_MEASURES.find((key) => measures.some((m) => m.key === key)) ?? NO_OVERLAY;
    }
  }

  /** the stage node a collapsed unit hides in */
  function stageOf(unitId: string): string | undefined {
    const unit = model?.units.find((u) => u.id === unitId);
    return unit ? `stage${unit.stage}` : undefined;
  }

  function nodeFor(unitId: string): SceneNode | undefined {
    return scene?.nodes.find((n) => n.id === unitId) ?? scene?.nodes.find((n) => n.id === stageOf(unitId));
  }

  // ---- drawing ----
  function scaleFor(m: Measure | undefined): ColorScale | undefined {
    if (!m || !model) return undefined;
    return makeScale(model.units.map((u) => valueOf(m, u.block)).filter((v): v is number => v !== undefined));
  }

  /** a node's overlay value: its block's, or a collapsed stage's largest */
  function nodeValue(node: SceneNode, m: Measure): number | undefined {
    if (node.kind === 'unit' || node.kind === 'unit-frame') return node.unit ? valueOf(m, node.unit.block) : undefined;
    if (node.kind === 'stage' && node.piece?.kind === 'stage') {
      const values = node.piece.units.map((u) => valueOf(m, u.block)).filter((v): v is number => v !== undefined);
      return values.length > 0 ? Math.max(...values) : undefined;
    }
    return undefined;
  }

  function flaggedIn(node: SceneNode): UnitNode[] {
    const { store } = context;
    if ((node.kind === 'unit' || node.kind === 'unit-frame') && node.unit) return store.isFlagged(node.unit.block) ? [node.unit] : [];
    if (node.kind === 'stage' && node.piece?.kind === 'stage') return node.piece.units.filter((u) => store.isFlagged(u.block));
    return [];
  }

  function drawNode(node: SceneNode, m: Measure | undefined, scale: ColorScale | undefined): SVGGElement {
    const { x, y, width, height } = node.box;
    const blockId = node.unit && (node.kind === 'unit' || node.kind === 'unit-frame') ? node.unit.id : undefined;
    const group = svg('g', {
      class: `arch-node kind-${node.kind}${node.invertible ? ' invertible' : ''}${node.reached ? ' reached' : ''}`,
      'data-node': node.id,
      'data-block': blockId,
      transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
    });
    const frame = node.kind === 'stage-frame' || node.kind === 'unit-frame';
    const headerHeight = frame ? 30 : height;
    group.appendChild(svg('rect', { class: 'arch-box', width, height, rx: node.kind === 'part' ? 13 : 4 }));
    const value = m ? nodeValue(node, m) : undefined;
    const t = value !== undefined ? scale?.position(value) : undefined;
    const colored = m !== undefined && (node.kind === 'unit' || node.kind === 'unit-frame' || node.kind === 'stage');
    if (colored) {
      const color = t !== undefined ? colorAt(t) : undefined;
      group.appendChild(
        svg('rect', {
          class: `arch-value${color ? '' : ' no-value'}`,
          width: width - 8,
          height: headerHeight - 6,
          x: 6,
          y: 3,
          rx: 3,
          fill: color ? rgb(color) : undefined,
          'data-value': value,
          'data-t': t?.toFixed(4),
        }),
      );
    }
    if (node.kind !== 'input' && node.kind !== 'head' && node.kind !== 'part' && node.kind !== 'function') {
      group.appendChild(svg('rect', { class: node.invertible ? 'arch-inv yes' : 'arch-inv no', width: 4, height: headerHeight - 6, x: 1, y: 3 }));
    }
    const textClass = colored ? (t !== undefined ? `on-${textOn(colorAt(t))}` : 'plain') : 'plain';
    if (node.kind === 'function' && node.fn) {
      group.appendChild(svg('text', { class: `arch-label ${textClass}`, x: 8, y: 15 }, `${node.label}  ${node.detail}`));
      node.fn.layers.forEach((layer, i) => {
        const row = svg('g', { class: 'arch-layer', 'data-layer': layer.name, transform: `translate(6,${22 + i * 18})` });
        row.appendChild(svg('rect', { class: 'arch-layer-box', width: width - 12, height: 16, rx: 2 }));
        row.appendChild(svg('text', { class: 'arch-detail plain', x: 5, y: 12 }, `${layer.name}: ${layer.label}`));
        const cosines = layer.parameters.map((p) => p.cosine);
        row.appendChild(svg('title', {}, `${node.id.replace('/', ' ')}.${layer.name}: ${layer.label}${layer.parameters.map((p) => `\n${p.name}: gradient angle ${formatDegrees(degreesFromCosine(p.cosine))}, rel. error ${formatError(p.relErr)}`).join('')}${cosines.length === 0 ? '\n(no gradient check in the report)' : ''}`));
        group.appendChild(row);
      });
    } else {
      const single = node.detail === '' || node.kind === 'part';
      const labelY = frame ? 19 : single ? height / 2 + 4 : 17;
      const flagged = flaggedIn(node).length > 0;
      group.appendChild(svg('text', { class: `arch-label ${textClass}`, x: node.kind === 'part' ? width / 2 : 10, y: labelY, 'text-anchor': node.kind === 'part' ? 'middle' : undefined }, `${flagged ? '⚠ ' : ''}${node.label}`));
      if (!single && !frame) group.appendChild(svg('text', { class: `arch-detail ${textClass}`, x: 10, y: 32 }, node.detail));
      if (frame) group.appendChild(svg('text', { class: `arch-detail ${textClass}`, x: width - 24, y: 19, 'text-anchor': 'end' }, node.detail));
      if (flagged) group.classList.add('flagged');
    }
    const expandable = node.kind === 'unit' || node.kind === 'unit-frame' || node.kind === 'stage' || node.kind === 'stage-frame';
    if (expandable) {
      const open = frame;
      const toggle = svg('g', { class: 'arch-toggle', 'data-toggle': node.id, transform: `translate(${width - 20},${(headerHeight - 14) / 2})` });
      toggle.appendChild(svg('rect', { width: 14, height: 14, rx: 2 }));
      toggle.appendChild(svg('text', { x: 7, y: 11, 'text-anchor': 'middle' }, open ? '−' : '+'));
      toggle.appendChild(svg('title', {}, open ? `Collapse ${node.id}` : `Expand ${node.id}`));
      group.appendChild(toggle);
    }
    group.appendChild(svg('title', {}, tooltip(node)));
    return group;
  }

  function tooltip(node: SceneNode): string {
    return infoLines(node).join('\n');
  }

  function infoLines(node: SceneNode): string[] {
    const lines = [`${node.label}${node.detail ? ` — ${node.detail}` : ''}`];
    if ((node.kind === 'unit' || node.kind === 'unit-frame') && node.unit) {
      const b = node.unit.block;
      lines.push(`${formatShape(b.inputShape)} → ${formatShape(b.outputShape)}`);
      for (const m of measures) {
        const v = valueOf(m, b);
        if (v !== undefined) lines.push(`${m.label}: ${formatMeasure(m.unit, v)}`);
      }
      if (context.store.isFlagged(b)) lines.push(`over the error threshold ${formatError(context.store.errorThreshold)}`);
    }
    if (node.kind === 'stage' || node.kind === 'stage-frame') {
      const m = measure();
      if (m && node.piece?.kind === 'stage') {
        const values = node.piece.units.map((u) => [u.id, valueOf(m, u.block)] as const).filter((e): e is readonly [string, number] => e[1] !== undefined);
        const worst = values.reduce<readonly [string, number] | undefined>((a, e) => (a === undefined || e[1] > a[1] ? e : a), undefined);
        if (worst) lines.push(`largest ${m.label}: ${formatMeasure(m.unit, worst[1])} (${worst[0]})`);
      }
      const flagged = flaggedIn(node);
      if (flagged.length > 0) lines.push(`${flagged.length} block${flagged.length === 1 ? '' : 's'} over the error threshold`);
    }
    if (node.kind === 'function' && node.fn) {
      for (const layer of node.fn.layers) {
        const cos = layer.parameters.map((p) => `${p.name.split('.').pop() ?? ''} angle ${formatDegrees(degreesFromCosine(p.cosine))}`);
        lines.push(`${layer.name}: ${layer.label}${cos.length ? ` (${cos.join(', ')})` : ''}`);
      }
    }
    if (node.kind !== 'input' && node.kind !== 'head' && node.kind !== 'part' && node.kind !== 'function') {
      lines.push(node.reached ? 'revnet invert runs back through it' : node.invertible ? 'invertible' : 'not invertible');
    }
    if (scene?.stop === node && model?.invertStopsAt !== undefined) lines.push(`revnet invert stops at ${model.invertStopsAt}`);
    return lines;
  }

  function drawLegend(m: Measure | undefined, scale: ColorScale | undefined): void {
    if (!legend) return;
    clear(legend);
    const keys = el('div', { class: 'arch-keys' });
    keys.append(
      el('span', { class: 'arch-key' }, el('span', { class: 'swatch inv-yes' }), 'invertible'),
      el('span', { class: 'arch-key' }, el('span', { class: 'swatch inv-no' }), 'not invertible'),
      el('span', { class: 'arch-key' }, el('span', { class: 'swatch reach' }), model?.invertStopsAt ? `revnet invert runs back to ${model.invertStopsAt} (stops there)` : 'revnet invert reaches the image'),
      el('span', { class: 'arch-key flag' }, `⚠ over threshold ${formatError(context.store.errorThreshold)}`),
    );
    if (!m) {
      legend.append(el('p', { class: 'arch-scale', id: 'arch-scale' }, 'No color overlay.'), keys);
      return;
    }
    if (!scale) {
      legend.append(el('p', { class: 'arch-scale', id: 'arch-scale' }, `${m.label}: no block has a value.`), keys);
      return;
    }
    const width = 200;
    const bar = svg('svg', { class: 'arch-colorbar', width, height: 14, viewBox: `0 0 ${width} 14`, role: 'img', 'aria-label': `color scale from ${formatMeasure(m.unit, scale.min)} to ${formatMeasure(m.unit, scale.max)}` });
    const gradient = svg('linearGradient', { id: 'arch-gradient', x1: 0, x2: 1, y1: 0, y2: 0 });
    PALETTE.forEach((color, i) => gradient.appendChild(svg('stop', { offset: (i / (PALETTE.length - 1)).toFixed(4), 'stop-color': rgb(color) })));
    bar.append(svg('defs', {}, gradient), svg('rect', { width, height: 14, fill: 'url(#arch-gradient)', rx: 2 }));
    const decades = scale.kind === 'log' ? Math.log10(scale.max / scale.min) : 0;
    const scaleText = scale.kind === 'log' ? `log scale (${decades.toFixed(1)} decades)` : 'linear scale';
    legend.append(
      el(
        'div',
        { class: 'arch-scale', id: 'arch-scale', 'data-scale': scale.kind, 'data-min': scale.min, 'data-max': scale.max },
        el('span', { class: 'arch-measure' }, `${m.label}: `),
        el('span', { class: 'arch-min' }, formatMeasure(m.unit, scale.min)),
        bar,
        el('span', { class: 'arch-max' }, formatMeasure(m.unit, scale.max)),
        el('span', { class: 'arch-kind' }, ` ${scaleText}; a collapsed stage shows its largest value; gray: no value`),
      ),
      keys,
    );
  }

  function draw(anchor?: { id: string; before: Box }): void {
    if (!svgElement || !model || !viewport) return;
    const start = performance.now();
    scene = buildScene(model, { stages: expandedStages, units: expandedUnits });
    const m = measure();
    const scale = scaleFor(m);
    const content = svg('g', { class: 'arch-content' });
    if (scene.reach) {
      const r = scene.reach;
      content.appendChild(svg('rect', { class: 'arch-reach', x: r.x, y: r.y, width: r.width, height: r.height, rx: 8 }));
    }
    const edges = svg('g', { class: 'arch-edges' });
    for (const points of scene.edges) edges.appendChild(svg('path', { d: pathThrough(points), 'marker-end': 'url(#arch-arrow)' }));
    const nodes = svg('g', { class: 'arch-nodes' });
    // frames under their contents: the scene lists a frame before what it holds
    for (const node of scene.nodes) nodes.appendChild(drawNode(node, m, scale));
    content.append(edges, nodes);
    if (scene.stop) {
      const s = scene.stop.box;
      content.appendChild(svg('line', { class: 'arch-stop', x1: s.x - 12, x2: s.x + s.width + 12, y1: s.y + s.height + 3, y2: s.y + s.height + 3 }));
      const inside = scene.stop.id === model.invertStopsAt ? 'invert stops here' : `invert stops at ${model.invertStopsAt ?? ''}`;
      content.appendChild(svg('text', { class: 'arch-stop-label', x: s.x + 4, y: s.y + s.height + 14 }, `▲ ${inside}`));
    }
    const defs = svg('defs', {}, svg('marker', { id: 'arch-arrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arch-arrowhead' })));
    svgElement.replaceChildren(defs, content);
    svgElement.setAttribute('data-nodes', String(scene.nodes.length));
    markSelection();
    drawLegend(m, scale);
    if (anchor) {
      const after = scene.nodes.find((n) => n.id === anchor.id)?.box;
      // the toggled node keeps its top edge and its center on screen
      if (after) {
        viewport.shift(after.x + after.width / 2 - (anchor.before.x + anchor.before.width / 2), after.y - anchor.before.y);
        viewport.fitWidth(after);
      }
    }
    const diagnostics = window as unknown as Diagnostics;
    (diagnostics.__revnetRenderTimes ??= {})['architecture:draw'] ??= [];
    diagnostics.__revnetRenderTimes['architecture:draw'].push(performance.now() - start);
  }

  function fit(acrossOnly = false): void {
    if (scene && viewport) viewport.fit({ x: -16, y: 0, width: scene.width + 32, height: scene.height }, 16, acrossOnly);
  }

  function markSelection(): void {
    if (!svgElement) return;
    const selected = context.store.selectedBlock;
    const shown = selected !== undefined ? nodeFor(selected) : undefined;
    for (const g of svgElement.querySelectorAll<SVGGElement>('g.arch-node')) {
      const on = shown !== undefined && g.dataset['node'] === shown.id;
      g.classList.toggle('selected', on);
      if (on) g.setAttribute('aria-current', 'true');
      else g.removeAttribute('aria-current');
    }
    if (info && !hovered) showInfo(shown);
  }

  function showInfo(node: SceneNode | undefined): void {
    if (!info) return;
    clear(info);
    if (!node) {
      info.appendChild(el('span', { class: 'note' }, 'Hover a node for its numbers; click a block to select it everywhere.'));
      return;
    }
    const lines = infoLines(node);
    const first = lines.at(0);
    const rest = lines.slice(1);
    info.appendChild(el('strong', {}, first ?? ''));
    for (const line of rest) info.appendChild(el('div', {}, line));
  }

  // ---- interaction ----
  function toggle(id: string): void {
    if (!model || !scene) return;
    const before = scene.nodes.find((n) => n.id === id)?.box;
    if (model.pieces.some((p) => p.id === id && p.kind === 'stage')) {
      if (expandedStages.has(id)) expandedStages.delete(id);
      else expandedStages.add(id);
    } else if (model.units.some((u) => u.id === id)) {
      if (expandedUnits.has(id)) expandedUnits.delete(id);
      else expandedUnits.add(id);
    } else return;
    draw(before ? { id, before } : undefined);
  }

  /** makes the block's own node visible (expanding its stage) and pans to it */
  function reveal(blockId: string): void {
    const stage = stageOf(blockId);
    if (stage !== undefined && !expandedStages.has(stage) && model) {
      const before = scene?.nodes.find((n) => n.id === stage)?.box;
      expandedStages.add(stage);
      draw(before ? { id: stage, before } : undefined);
    }
    const node = nodeFor(blockId);
    if (node && viewport) viewport.reveal(node.box.height > 200 ? { ...node.box, height: 60 } : node.box);
  }

  function step(by: number): void {
    if (!model || model.units.length === 0) return;
    const index = model.units.findIndex((u) => u.id === context.store.selectedBlock);
    const next = index < 0 ? (by > 0 ? 0 : model.units.length - 1) : Math.min(model.units.length - 1, Math.max(0, index + by));
    const unit = model.units.at(next);
    if (!unit) return;
    context.selectBlock(unit.id);
    reveal(unit.id);
    if (live) live.textContent = `${unit.id}, ${unit.block.kind}${context.store.isFlagged(unit.block) ? ', over threshold' : ''}`;
  }

  function nodeAt(target: EventTarget | null): SceneNode | undefined {
    const group = target instanceof Element ? target.closest<SVGGElement>('g.arch-node') : null;
    const id = group?.dataset['node'];
    return id === undefined ? undefined : scene?.nodes.find((n) => n.id === id);
  }

  function wire(element: SVGSVGElement): void {
    let drag: { x: number; y: number; moved: boolean } | undefined;
    element.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, moved: false };
    });
    element.addEventListener('pointermove', (event) => {
      if (drag) {
        const dx = event.clientX - drag.x;
        const dy = event.clientY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) < 4) return;
        if (!drag.moved) element.setPointerCapture(event.pointerId);
        drag = { x: event.clientX, y: event.clientY, moved: true };
        viewport?.panPixels(dx, dy);
        return;
      }
      const node = nodeAt(event.target);
      if (node !== hovered) {
        hovered = node;
        showInfo(node ?? (context.store.selectedBlock !== undefined ? nodeFor(context.store.selectedBlock) : undefined));
      }
    });
    element.addEventListener('pointerleave', () => {
      hovered = undefined;
      markSelection();
    });
    element.addEventListener('pointerup', (event) => {
      const wasDrag = drag?.moved ?? false;
      drag = undefined;
      if (element.hasPointerCapture(event.pointerId)) element.releasePointerCapture(event.pointerId);
      if (wasDrag) return;
      const target = event.target instanceof Element ? event.target : null;
      const toggleId = target?.closest<SVGGElement>('g.arch-toggle')?.dataset['toggle'];
      if (toggleId !== undefined) { toggle(toggleId); return; }
      const node = nodeAt(target);
      if (!node) return;
      if (node.kind === 'stage' || node.kind === 'stage-frame') { toggle(node.id); return; }
      if (node.unit) context.selectBlock(node.unit.id);
    });
    element.addEventListener('dblclick', (event) => {
      const node = nodeAt(event.target);
      if (node?.kind === 'unit' || node?.kind === 'unit-frame') toggle(node.id);
    });
    element.addEventListener('wheel', (event) => {
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) viewport?.zoom(Math.exp(-event.deltaY / 300), viewport.toGraph(event.clientX, event.clientY));
      else viewport?.panPixels(-event.deltaX, -event.deltaY);
    }, { passive: false });
    element.addEventListener('keydown', (event) => {
      switch (event.key) {
        case 'ArrowDown':
        case 'ArrowRight':
          step(1);
          break;
        case 'ArrowUp':
        case 'ArrowLeft':
          step(-1);
          break;
        case 'Home':
          step(-Infinity);
          break;
        case 'End':
          step(Infinity);
          break;
        case 'Enter':
        case ' ': {
          const selected = context.store.selectedBlock;
          if (selected === undefined) return;
          const stage = stageOf(selected);
          if (stage !== undefined && !expandedStages.has(stage)) reveal(selected);
          else toggle(selected);
          break;
        }
        case '+':
        case '=':
          viewport?.zoom(1.25);
          break;
        case '-':
          viewport?.zoom(0.8);
          break;
        case '0':
          fit();
          break;
        default:
          return;
      }
      event.preventDefault();
    });
  }

  function button(id: string, text: string, title: string, action: () => void): HTMLElement {
    const b = el('vscode-button', { id, secondary: true, title, 'aria-label': title }, text);
    b.addEventListener('click', action);
    return b;
  }

  return {
    name: 'architecture',
    title: 'Architecture',
    dependsOn: ['report', 'threshold', 'selection', 'theme'],
    render(element) {
      const report = context.store.report;
      if (!report) { noReport(element); return; }
      if (modelOf !== report) {
        model = buildArchitecture(report);
        modelOf = report;
        resetFor(report.blocks);
      }
      const select = el('vscode-single-select', { id: 'arch-measure', 'aria-label': 'Color by' });
      select.appendChild(el('vscode-option', { value: NO_OVERLAY, selected: measureKey === NO_OVERLAY }, 'No color (invertibility only)'));
      for (const m of measures) select.appendChild(el('vscode-option', { value: m.key, selected: m.key === measureKey }, m.label));
      select.addEventListener('change', () => {
        const value = (select as unknown as { value: string }).value;
        if (value && value !== measureKey) {
          measureKey = value;
          draw();
        }
      });
      const allStages = () => model?.pieces.filter((p) => p.kind === 'stage').map((p) => p.id) ?? [];
      element.appendChild(
        el(
          'div',
          { class: 'toolbar arch-toolbar' },
          el('label', { class: 'arch-color-by' }, el('span', { class: 'label' }, 'Color by'), select),
          el(
            'span',
            { class: 'arch-buttons' },
            button('arch-fit', 'Fit', 'Fit the graph to the view (0)', () => fit()),
            button('arch-zoom-out', '−', 'Zoom out (-)', () => viewport?.zoom(0.8)),
            button('arch-zoom-in', '+', 'Zoom in (+)', () => viewport?.zoom(1.25)),
            button('arch-expand', 'Expand stages', 'Show every unit of every stage', () => {
              for (const id of allStages()) expandedStages.add(id);
              draw();
              fit(true);
            }),
            button('arch-collapse', 'Collapse', 'Collapse every stage and unit', () => {
              expandedStages.clear();
              expandedUnits.clear();
              draw();
              fit();
            }),
          ),
        ),
      );
      legend = el('div', { class: 'arch-legend', id: 'arch-legend' });
      element.appendChild(legend);
      svgElement = svg('svg', {
        id: 'arch-graph',
        class: 'arch-graph',
        tabindex: 0,
        role: 'group',
        preserveAspectRatio: 'xMidYMin meet',
        'aria-label': `Architecture of ${report.model.name}. Arrow keys move through the blocks, Enter expands or collapses the selected one, plus and minus zoom, 0 fits.`,
      });
      wire(svgElement);
      viewport = new Viewport(svgElement);
      element.appendChild(el('div', { class: 'arch-canvas' }, svgElement));
      info = el('div', { class: 'arch-info', id: 'arch-info', role: 'status' });
      live = el('span', { class: 'arch-live', 'aria-live': 'polite' });
      element.append(info, live);
      hovered = undefined;
      draw();
      // readable first: the graph's width across the view, from the top (Fit shows all of it)
      fit(true);
      const selected = context.store.selectedBlock;
      if (selected !== undefined) reveal(selected);
    },
    update(change) {
      if (change !== 'selection' || !model) return false;
      const selected = context.store.selectedBlock;
      markSelection();
      if (selected !== undefined) reveal(selected);
      return true;
    },
    dispose() {
      svgElement = undefined;
      viewport = undefined;
      legend = undefined;
      info = undefined;
      live = undefined;
      scene = undefined;
    },
  };
}
