// A model written to another folder (train --out, import) keeps an editor-usable "$schema": a relative path is
// pointed again at the package's schema from the new folder, and resolves to that file; a URL is kept as it is.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { buildNetwork } from '../../../../engine/model/network';
import { saveModel } from '../../../../engine/model/saveLoad';
import { packageSchemaPath } from '../../../../engine/model/schemaReference';
import { withDefaults } from '../../../../engine/model/validateConfig';
import { TINY_CONFIG, tempFolder } from '../trainHelpers';

before(async () => {
  await tf.setBackend('cpu');
});

const meta = { training: { data: 'test', epochs: 1, steps: 1, batchSize: 1, optimizer: 'sgd', mode: 'reversible' as const, seed: 1, backend: 'cpu' } };

function writtenSchema(configPath: string): unknown {
  return (JSON.parse(readFileSync(configPath, 'utf8')) as { $schema?: unknown }).$schema;
}

test('a relative "$schema" from the source folder is rebased so that it resolves to the package schema from the new folder', async () => {
  const schema = packageSchemaPath();
  assert.ok(schema !== undefined && existsSync(schema), 'the package schema is not found from the sources');
  // as `revnet new` writes it into the workspace root; `train --out runs/deep/tiny` writes two folders further down
  const source = { ...TINY_CONFIG, $schema: './node_modules/revnet-inspector/schema/revnet.schema.json' };
  const out = join(tempFolder('schema-rebase'), 'runs', 'deep', 'tiny');
  mkdirSync(out, { recursive: true });
  const network = buildNetwork(withDefaults(source), 1);
  try {
    const paths = await saveModel(out, 'tiny', network, meta);
    const written = writtenSchema(paths.configPath);
    assert.equal(typeof written, 'string');
    assert.equal(resolve(dirname(paths.configPath), written as string), schema);
  } finally {
    network.dispose();
  }
});

test('an absolute "$schema" (a URL) is kept, and a config without one gets none', async () => {
  const url = 'https://example.org/revnet.schema.json';
  const withUrl = buildNetwork(withDefaults({ ...TINY_CONFIG, $schema: url }), 1);
  const without = buildNetwork(withDefaults(TINY_CONFIG), 1);
  try {
    assert.equal(writtenSchema((await saveModel(tempFolder('schema-url'), 'tiny', withUrl, meta)).configPath), url);
    assert.equal(writtenSchema((await saveModel(tempFolder('schema-none'), 'tiny', without, meta)).configPath), undefined);
  } finally {
    withUrl.dispose();
    without.dispose();
  }
});
