/**
 * Renders the config reference (`docs/gateway-config.md`) from the schema data, so the reference
 * says exactly what the validator accepts. `scripts/gen-config-docs.mjs` writes it; a test fails
 * when the committed file differs from this output.
 * @module
 */
import { DIAGNOSTIC_CODES } from './check.js';
import {
  CROSS_CHECKS,
  FORMATS,
  GATEWAY_SCHEMA,
  type ObjectNode,
  type SchemaNode,
  type StringFormat,
} from './schema.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const formatLink = (format: StringFormat) => `[${format}](#format-${format})`;

function typeText(schema: SchemaNode): string {
  switch (schema.kind) {
    case 'string':
      if (schema.enum) return schema.enum.map((e) => `\`${e}\``).join(' | ');
      return schema.format ? `string, ${formatLink(schema.format)}` : 'string';
    case 'integer':
      return schema.unit === 'ms'
        ? `integer ms, ${schema.min} to ${schema.max}`
        : `integer, ${schema.min} to ${schema.max}`;
    case 'number':
      return `number, ${schema.min} to ${schema.max}${schema.decimals !== undefined ? `, at most ${schema.decimals} decimals` : ''}`;
    case 'boolean':
      return 'boolean';
    case 'object':
      return `[${schema.title}](#${schema.id})`;
    case 'map':
      return `map: ${schema.keyDoc} (${formatLink(schema.keys)}) → ${typeText(schema.values)}`;
    case 'list':
      return `list of ${typeText(schema.items)}${schema.minItems ? ` (at least ${schema.minItems})` : ''}`;
    case 'one-of': {
      const text = schema.variants.map(typeText).join(', or ');
      if (!schema.singleAsList) return text;
      const list = schema.variants.find((v) => v.kind === 'list');
      return list?.kind === 'list' ? `${text}, or a single ${typeText(list.items)}` : text;
    }
  }
}

/** Every object node, depth first, each once. */
function objects(schema: SchemaNode, out: ObjectNode[] = []): ObjectNode[] {
  switch (schema.kind) {
    case 'object':
      if (out.some((o) => o.id === schema.id)) return out;
      out.push(schema);
      for (const field of Object.values(schema.fields)) objects(field.type, out);
      return out;
    case 'map':
      return objects(schema.values, out);
    case 'list':
      return objects(schema.items, out);
    case 'one-of':
      for (const v of schema.variants) objects(v, out);
      return out;
    default:
      return out;
  }
}

function section(node: ObjectNode): string {
  const lines = [`## ${node.title}`, '', `<a id="${node.id}"></a>`, '', node.doc, ''];
  lines.push('| key | type | default | description |', '| --- | --- | --- | --- |');
  for (const [key, field] of Object.entries(node.fields)) {
    const fallback = field.required
      ? '**required**'
      : field.default !== undefined
        ? `\`${typeof field.default === 'object' ? JSON.stringify(field.default) : String(field.default)}\``
        : '—';
    lines.push(`| \`${key}\` | ${cell(typeText(field.type))} | ${cell(fallback)} | ${cell(field.doc)} |`);
  }
  for (const rule of node.rules ?? []) {
    lines.push('');
    if (rule.rule === 'exactly-one') lines.push(`Exactly one of ${rule.keys.map((k) => `\`${k}\``).join(' and ')}.`);
    else {
      lines.push(
        `With \`${rule.key}: ${rule.equals}\`: ${rule.require.map((k) => `\`${k}\``).join(' and ')} required, ${rule.forbid.map((k) => `\`${k}\``).join(' and ')} not allowed.`,
      );
    }
  }
  if (node.example) lines.push('', '```yaml', node.example, '```');
  lines.push('');
  return lines.join('\n');
}

/** The whole config reference, as Markdown. */
export function renderConfigReference(): string {
  const out = [
    '# gateway.yaml reference',
    '',
    '<!-- Generated from packages/adapters/src/gateway/config/schema.ts by scripts/gen-config-docs.mjs. Do not edit: a test fails when this file and the schema differ. -->',
    '',
    'The standalone proxy (`switchyard serve`), `switchyard check` and `createGateway()` read one file, `gateway.yaml` (JSON is accepted too, with the same keys). Every key is listed below; any other key is an error. A file with problems is refused as a whole, with every problem at once, each as `file:line:col: what was expected`:',
    '',
    '```',
    'gateway.yaml:7:5: routes[1]: unknown key "servce" in routes[]; did you mean "service"? (expected one of: path, methods, ...)',
    'gateway.yaml:12:14: routes[2].service: unknown service "api-v3"; did you mean "api-v2"? (defined: user-service, api-v2 under services:)',
    '```',
    '',
    'On reload (SIGHUP or a file change) an invalid file is logged and the running table is kept.',
    '',
  ];
  for (const node of objects(GATEWAY_SCHEMA)) out.push(section(node));
  out.push('## Checks across the file', '', ...CROSS_CHECKS.map((c) => `- ${c}`), '');
  out.push('## Value formats', '');
  for (const [format, doc] of Object.entries(FORMATS)) {
    out.push(`- <a id="format-${format}"></a>**${format}**: ${doc}`);
  }
  out.push('', '## Diagnostics', '', 'Findings `switchyard check` prints for a valid file, by code:', '');
  for (const [code, doc] of Object.entries(DIAGNOSTIC_CODES)) out.push(`- \`${code}\`: ${doc}`);
  out.push('');
  return out.join('\n');
}
