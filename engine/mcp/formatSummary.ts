// The `atm://format` resource: the spec format summarised from the schema's own descriptions, so
// it cannot drift from what the validator accepts.
import { atmSchema } from '../format';

function typeOf(schema: Record<string, unknown>): string {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) return 'one of several forms';
  return 'value';
}

export function formatSummary(): string {
  const lines = [
    '# The .atm.yaml format',
    '',
    'One YAML document per test (`---` separates several). Fields of a test:',
    '',
  ];
  const properties = (atmSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(atmSchema.required) ? (atmSchema.required as string[]) : [];
  for (const [name, schema] of Object.entries(properties)) {
    const description = typeof schema.description === 'string' ? schema.description : '';
    lines.push(`- \`${name}\` (${typeOf(schema)}${required.includes(name) ? ', required' : ''}): ${description}`);
  }
  lines.push(
    '',
    'Templates: `{{name}}` (a variable), `{{env:NAME}}`, `{{$uuid}}`, `{{$randomInt MIN MAX}}`, `{{$timestamp}}`, `{{$isoTimestamp}}`, `{{$requestIndex}}`.',
    'Thresholds: `METRIC OP VALUE[UNIT]`, e.g. `p95 < 200ms`, `error_rate < 1%`, `rps >= 100`.',
  );
  return `${lines.join('\n')}\n`;
}
