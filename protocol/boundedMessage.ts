// One cap for every error message that can echo user data (a file's contents, a config's keys, a request's
// fields): a hostile input must not make a 12 MB, 200,000-line message in a terminal, a log or a notification.
// The engine's RPC error mapping, the CLI's error printer and the config validator all go through it.

/** at most this many lines: enough for the config validator's 50 listed problems and a header */
export const MAX_MESSAGE_LINES = 60;
/** at most this many characters per line */
export const MAX_LINE_CHARS = 500;
/** at most this many characters in all */
export const MAX_MESSAGE_CHARS = 8000;

function boundedLine(line: string): string {
  return line.length <= MAX_LINE_CHARS ? line : `${line.slice(0, MAX_LINE_CHARS)}… (${line.length - MAX_LINE_CHARS} more characters)`;
}

/** the message, cut to MAX_MESSAGE_LINES lines of MAX_LINE_CHARS and MAX_MESSAGE_CHARS in all, saying what was cut */
export function boundedMessage(message: string): string {
  if (message.length <= MAX_LINE_CHARS && !message.includes('\n')) return message;
  const lines = message.split('\n');
  const kept = lines.slice(0, MAX_MESSAGE_LINES).map(boundedLine);
  if (lines.length > kept.length) kept.push(`… (${lines.length - kept.length} more lines)`);
  const text = kept.join('\n');
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  return `${text.slice(0, MAX_MESSAGE_CHARS)}… (message cut at ${MAX_MESSAGE_CHARS} characters)`;
}
