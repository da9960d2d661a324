// The one error every file reader throws for a file that is not what it claims to be.
// The message names the file and the problem, so it can be shown to the user as is.

export class FileFormatError extends Error {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'FileFormatError';
    this.file = file;
    this.problem = problem;
  }
}

/** A short name for messages about in-memory buffers that have no path. */
export function displayName(file: string | undefined): string {
  return file === undefined || file === '' ? '<buffer>' : file;
}
