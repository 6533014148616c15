import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from './environment';

describe('.env.example', () => {
  it('lists every variable the service reads, and no other', () => {
    const documented = readFileSync(
      join(__dirname, '..', '..', '.env.example'),
      'utf8',
    )
      .split('\n')
      .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    const accepted = getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', false, false)
      .map((metadata) => metadata.propertyName);

    // OTEL_* are OpenTelemetry's standard variables, read by its SDK (src/tracing).
    const own = documented.filter((name) => !name.startsWith('OTEL_'));
    expect([...new Set(own)].sort()).toEqual([...new Set(accepted)].sort());
    expect(documented).toHaveLength(new Set(documented).size);
  });
});
