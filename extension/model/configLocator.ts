// Where the stages of a `*.revnet.json` are in its text, and which stage the cursor is in.
// Plain Node (jsonc-parser, no `vscode`): hovers, diagnostics and block reveal build on it.
import { findNodeAtLocation, getLocation, parseTree, type Node } from 'jsonc-parser';

export interface StageSpan {
  /** 0-based index in the config's `stages` array */
  index: number;
  /** 1-based stage number, as block ids use it ("stage{number}.unit{u}") */
  stage: number;
  /** offset and length of the stage's JSON object in the text */
  offset: number;
  length: number;
  /** offset and length of the key or value to underline (the stage object's first line) */
  units?: number;
}

function stageSpan(node: Node, index: number): StageSpan {
  const unitsNode = node.type === 'object' ? findNodeAtLocation(node, ['units']) : undefined;
  const span: StageSpan = { index, stage: index + 1, offset: node.offset, length: node.length };
  if (unitsNode !== undefined && typeof unitsNode.value === 'number') span.units = unitsNode.value;
  return span;
}

/** Every stage object in the config text (empty when the text is not a config). */
export function stageSpans(text: string): StageSpan[] {
  const root = parseTree(text);
  if (root === undefined) return [];
  const stages = findNodeAtLocation(root, ['stages']);
  if (stages?.type !== 'array') return [];
  return (stages.children ?? []).map((node, index) => stageSpan(node, index));
}

/** The stage whose entry contains the offset, if the cursor is inside `stages[i]`. */
export function stageAtOffset(text: string, offset: number): StageSpan | undefined {
  const location = getLocation(text, offset);
  const [first, second] = location.path;
  if (first !== 'stages' || typeof second !== 'number') return undefined;
  const root = parseTree(text);
  const node = root === undefined ? undefined : findNodeAtLocation(root, ['stages', second]);
  return node === undefined ? undefined : stageSpan(node, second);
}

/** Parses a block id such as "stage2.unit0" into its 1-based stage and 0-based unit. */
export function parseBlockId(blockId: string): { stage: number; unit: number } | undefined {
  const match = /^stage(\d+)\.unit(\d+)$/.exec(blockId);
  if (match === null) return undefined;
  return { stage: Number(match[1]), unit: Number(match[2]) };
}

/**
 * The id of a stage's first block, "stage{n}.unit0", or undefined when the stage declares no valid unit count.
 * In closed form: the cursor moves on every keystroke, and a stage may declare any number of units.
 */
export function firstBlockIdOfStage(span: StageSpan): string | undefined {
  const units = span.units;
  return units !== undefined && Number.isInteger(units) && units >= 1 ? `stage${span.stage}.unit0` : undefined;
}
