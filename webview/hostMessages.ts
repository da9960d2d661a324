// Checks the messages that arrive from the host before the panel acts on them. The host is trusted, but a
// malformed or unknown message (an older or newer extension, a bug) must be ignored, never break the page.
import type { HostToWebview } from '../protocol/webviewMessages';

export type ParsedMessage = { ok: true; message: HostToWebview } | { ok: false; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isTensor(value: unknown): boolean {
  if (!isRecord(value) || !Array.isArray(value['shape']) || !Array.isArray(value['data'])) return false;
  const shape = value['shape'] as unknown[];
  if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) return false;
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  return (value['data'] as unknown[]).length === size;
}

/** The report's fields the views index into; numbers inside may still be NaN or missing and are shown as such. */
function reportProblem(report: unknown): string | undefined {
  if (!isRecord(report)) return 'report is not an object';
  if (!isRecord(report['model'])) return 'report.model is missing';
  if (!Array.isArray(report['blocks'])) return 'report.blocks is not an array';
  for (const [index, block] of (report['blocks'] as unknown[]).entries()) {
    if (!isRecord(block) || typeof block['id'] !== 'string') return `report.blocks[${index}].id is missing`;
    if (!isRecord(block['gradient']) || !isRecord(block['memory'])) return `report.blocks[${index}] lacks gradient or memory`;
    if (block['reconstruction'] !== null && !isRecord(block['reconstruction'])) return `report.blocks[${index}].reconstruction is not an object or null`;
  }
  if (!isRecord(report['memory']) || !isRecord(report['timing']) || !isRecord(report['timeline'])) {
    return 'report.memory, report.timing or report.timeline is missing';
  }
  return undefined;
}

export function parseHostMessage(data: unknown): ParsedMessage {
  if (!isRecord(data)) return { ok: false, reason: 'not an object' };
  const type = data['type'];
  const fail = (reason: string): ParsedMessage => ({ ok: false, reason: `${String(type)}: ${reason}` });
  switch (type) {
    case 'report': {
      const problem = reportProblem(data['report']);
      return problem ? fail(problem) : { ok: true, message: data as unknown as HostToWebview };
    }
    case 'settings':
      return isFiniteNumber(data['errorThreshold']) && data['errorThreshold'] >= 0
        ? { ok: true, message: data as unknown as HostToWebview }
        : fail('errorThreshold is not a non-negative number');
    case 'progress': {
      const event = data['event'];
      return isRecord(event) && isFiniteNumber(event['step']) && isFiniteNumber(event['epoch']) && typeof event['runId'] === 'string'
        ? { ok: true, message: data as unknown as HostToWebview }
        : fail('event lacks runId, epoch or step');
    }
    case 'runEnded': {
      const end = data['end'];
      return isRecord(end) && ['finished', 'cancelled', 'diverged', 'failed'].includes(end['status'] as string) && typeof end['text'] === 'string'
        ? { ok: true, message: data as unknown as HostToWebview }
        : fail('end lacks a known status or text');
    }
    case 'history': {
      const events = data['events'];
      if (!Array.isArray(events) || typeof data['file'] !== 'string') return fail('events is not an array or file is not a string');
      for (const event of events as unknown[]) {
        if (!isRecord(event) || !isFiniteNumber(event['step']) || !isFiniteNumber(event['epoch']) || typeof event['runId'] !== 'string') return fail('an event lacks runId, epoch or step');
      }
      const end = data['end'];
      if (end !== undefined && !(isRecord(end) && ['finished', 'cancelled', 'diverged', 'failed'].includes(end['status'] as string))) return fail('end has no known status');
      return { ok: true, message: data as unknown as HostToWebview };
    }
    case 'selectBlock':
      return typeof data['blockId'] === 'string' ? { ok: true, message: data as unknown as HostToWebview } : fail('blockId is not a string');
    case 'exploreResult': {
      const result = data['result'];
      if (!isRecord(result)) return fail('result is not an object');
      for (const key of ['input', 'output', 'edited', 'inverted', 'difference']) {
        if (!isTensor(result[key])) return fail(`result.${key} is not a tensor whose data matches its shape`);
      }
      return { ok: true, message: data as unknown as HostToWebview };
    }
    case 'saved':
      return typeof data['path'] === 'string' ? { ok: true, message: data as unknown as HostToWebview } : fail('path is not a string');
    case 'error':
      return typeof data['message'] === 'string' ? { ok: true, message: data as unknown as HostToWebview } : fail('message is not a string');
    case 'busy':
      return typeof data['busy'] === 'boolean' ? { ok: true, message: data as unknown as HostToWebview } : fail('busy is not a boolean');
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(type)}` };
  }
}
