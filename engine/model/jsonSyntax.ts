// Finds where and why a text is not JSON, with a line and a column: JSON.parse's own messages do not
// always carry a position, and never a line. Used only after JSON.parse has failed.

export interface JsonSyntaxProblem {
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
  message: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  let at = 0;
  const describe = (offset: number): string =>
    offset >= text.length ? 'the end of the file' : JSON.stringify(text[offset]);
  const fail = (message: string, offset = at): never => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- Stop is control flow, caught below and never escapes
    throw new Stop(offset, message);
  };

  const skipSpace = (): void => {
    while (at < text.length) {
      const char = text[at];
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') at++;
      else if (char === '/' && (text[at + 1] === '/' || text[at + 1] === '*')) fail('comments are not allowed in JSON');
      else break;
    }
  };

  const literal = (word: string): void => {
    if (text.startsWith(word, at)) at += word.length;
    else fail(`unexpected ${describe(at)}; expected a value (an object, array, string, number, true, false or null)`);
  };

  const string = (): void => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') {
      const code = text.charCodeAt(at);
      if (code < 0x20) fail(code === 10 ? 'a string may not span lines (unterminated string?)' : 'control character in a string');
      if (text[at] === '\\') {
        const escape = text.at(at + 1);
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) fail('bad \\u escape in a string');
          at += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail(`bad escape "\\${escape ?? ''}" in a string`);
        at += 2;
        continue;
      }
      at++;
    }
    if (at >= text.length) fail('unterminated string', start);
    at++;
  };

  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (!match || match[0] === '' || match[0] === '-') fail(`unexpected ${describe(at)}; expected a number`);
    at += (match as RegExpExecArray)[0].length;
  };

  const value = (): void => {
    skipSpace();
    const char = text.at(at);
    if (char === '{') object();
    else if (char === '[') array();
    else if (char === '"') string();
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) number();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === "'") fail('strings must use double quotes');
    else fail(`unexpected ${describe(at)}; expected a value (an object, array, string, number, true, false or null)`);
  };

  const object = (): void => {
    at++;
    skipSpace();
    if (text[at] === '}') {
      at++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[at] !== '"') fail(`unexpected ${describe(at)}; expected a field name in double quotes`);
      string();
      skipSpace();
      if (text[at] !== ':') fail(`unexpected ${describe(at)}; expected ":" after the field name`);
      at++;
      value();
      skipSpace();
      if (text[at] === '}') {
        at++;
        return;
      }
      if (text[at] !== ',') fail(`unexpected ${describe(at)}; expected "," or "}" after a field's value (missing comma?)`);
      const comma = at;
      at++;
      skipSpace();
      if (text[at] === '}') fail('trailing comma before "}"', comma);
    }
  };

  const array = (): void => {
    at++;
    skipSpace();
    if (text[at] === ']') {
      at++;
      return;
    }
    for (;;) {
      value();
      skipSpace();
      if (text[at] === ']') {
        at++;
        return;
      }
      if (text[at] !== ',') fail(`unexpected ${describe(at)}; expected "," or "]" after an array item (missing comma?)`);
      const comma = at;
      at++;
      skipSpace();
      if (text[at] === ']') fail('trailing comma before "]"', comma);
    }
  };

  try {
    if (text.trim() === '') fail('the file is empty; expected a JSON object');
    value();
    skipSpace();
    if (at < text.length) fail(`unexpected ${describe(at)} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    // nesting deeper than the call stack: leave the message to JSON.parse (found by test/fuzz/fuzzReaders.ts)
    if (error instanceof RangeError) return undefined;
    if (!(error instanceof Stop)) throw error;
    return { ...lineAndColumn(text, error.offset), message: error.message };
  }
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(offset, text.length));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}
