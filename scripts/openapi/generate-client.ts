import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run client:generate` rewrites docs/openapi.json (from the application's
 * decorators) and the typed client's schema from it; `--check` only compares and fails
 * on drift, so CI catches a document or client that was not regenerated.
 */
const root = join(__dirname, '..', '..');
export const DOCUMENT_PATH = join(root, 'docs', 'openapi.json');
export const CLIENT_SCHEMA_PATH = join(
  root,
  'clients',
  'typescript',
  'schema.ts',
);

export function generateClientSchema(documentPath: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'schema.ts');
  execFileSync(
    join(root, 'node_modules', '.bin', 'openapi-typescript'),
    [documentPath, '--output', out],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return readFileSync(out, 'utf8');
}

function exportDocument(): string {
  return execFileSync(
    join(root, 'node_modules', '.bin', 'ts-node'),
    ['--transpile-only', join(__dirname, 'export-document.ts')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

function main(): void {
  const check = process.argv.includes('--check');
  const document = exportDocument();
  const documentPath = check
    ? join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json')
    : DOCUMENT_PATH;
  writeFileSync(documentPath, document);
  const schema = generateClientSchema(documentPath);
  if (!check) {
    writeFileSync(CLIENT_SCHEMA_PATH, schema);
    console.log(`wrote ${DOCUMENT_PATH} and ${CLIENT_SCHEMA_PATH}`);
    return;
  }
  const stale = [
    [DOCUMENT_PATH, document],
    [CLIENT_SCHEMA_PATH, schema],
  ].filter(([path, fresh]) => readFileSync(path, 'utf8') !== fresh);
  if (stale.length > 0) {
    console.error(
      `Out of date: ${stale.map(([path]) => path).join(', ')}. Run \`npm run client:generate\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log('OpenAPI document and typed client are up to date');
}

if (require.main === module) {
  main();
}
