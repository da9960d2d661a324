// The "$schema" a written model file points to: the package's schema/revnet.schema.json, as a path relative to
// the file, so that VS Code (and other JSON editors) find it from the file's folder.
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The package's schema file, found upwards from this module (sources under tsx, or dist/ when bundled). */
export function packageSchemaPath(): string | undefined {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'schema', 'revnet.schema.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** "$schema" as a path relative to the written file, so that VS Code finds it from the file's folder. */
export function schemaReference(outFile: string): string | undefined {
  const schema = packageSchemaPath();
  if (schema === undefined) return undefined;
  const path = relative(dirname(resolve(outFile)), schema).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/**
 * A config's "$schema" once the config is written to `outFile`: a relative path was relative to the folder the
 * config came from, so it is pointed again at the package's schema from the new folder (dropped when the package's
 * schema is not found); an absolute reference (a URL) is kept.
 */
export function rebasedSchema(schema: string | undefined, outFile: string): string | undefined {
  if (schema === undefined || /^[a-z][a-z0-9+.-]*:/i.test(schema)) return schema;
  return schemaReference(outFile);
}
