import { z } from 'zod';
import { allVars } from './load.ts';

/** The configuration reference as a Markdown table, generated from the schema so docs cannot drift. */
export function configTable(): string {
  const rows = Object.entries(allVars).map(([name, spec]) => {
    const def = defaultOf(spec.schema);
    return `| \`${name}\` | ${def === undefined ? '—' : `\`${def}\``} | ${spec.description} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function defaultOf(schema: z.ZodType): string | undefined {
  if (schema instanceof z.ZodDefault) return String(schema.def.defaultValue);
  return undefined;
}
