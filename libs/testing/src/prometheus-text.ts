/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests that
 * read a service's /metrics: every line must be a comment, a HELP or TYPE line, blank, or a
 * sample `name{label="value",...} value [timestamp]`; anything else throws, naming the line.
 * Samples of a family must follow its TYPE line, a family is declared once, and histogram and
 * summary samples are the family's name with _bucket, _sum, _count (or none for a summary's
 * quantiles).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<MetricType, string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function parseValue(text: string, line: number): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: not a number: ${JSON.stringify(text)}`);
  return Number(text);
}

/** `{a="x",b="y"}` from position `at` (the `{`): the labels and the index after `}`. */
function parseLabels(text: string, at: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why}: ${text}`);
  };
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('a label without a value');
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) fail(`bad label name ${JSON.stringify(name)}`);
    if (name in labels) fail(`label ${name} given twice`);
    if (text[eq + 1] !== '"') fail(`label ${name}'s value is not quoted`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(`bad escape \\${next}`);
      } else value += text[j];
    }
    if (j >= text.length) fail(`label ${name}'s value is not closed`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('expected , or } after a label');
  }
}

/** Parses a /metrics body into its families, by name. Throws on anything the format does not allow. */
export function parsePrometheusText(body: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  let current: MetricFamily | undefined;
  const declare = (name: string, line: number): MetricFamily => {
    if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${JSON.stringify(name)}`);
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  if (body.length && !body.endsWith('\n')) throw new Error('the body does not end with a line feed');
  body.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!m) return; // A plain comment.
      const [, kind, name, rest = ''] = m;
      const family = declare(name, line);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest.trim() as MetricType)) throw new Error(`line ${line}: unknown type ${JSON.stringify(rest)}`);
        if (family.samples.length) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        family.type = rest.trim() as MetricType;
      } else family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      current = family;
      return;
    }
    const nameEnd = raw.search(/[{\s]/);
    if (nameEnd <= 0) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = raw.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let rest = raw.slice(nameEnd);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(raw, nameEnd, line);
      labels = parsed.labels;
      rest = raw.slice(parsed.end);
    }
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`line ${line}: expected a value (and a timestamp) after the labels: ${raw}`);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp: ${raw}`);
    const value = parseValue(parts[0], line);
    const family = current && SUFFIXES[current.type].some((s) => current?.name + s === name) ? current : undefined;
    if (!family) {
      if (families.has(name)) throw new Error(`line ${line}: samples of ${name} are not together under its TYPE`);
      current = declare(name, line);
      current.samples.push({ name, labels, value });
      return;
    }
    if (family.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) throw new Error(`line ${line}: a histogram bucket without le: ${raw}`);
    family.samples.push({ name, labels, value });
  });
  return families;
}

/**
 * The value of the sample `name` whose labels include every one of `labels` (others may be
 * there too, e.g. the service label); the sum when several match; 0 when none does.
 */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}

/** GETs http://<address>/metrics and parses it (throws on a status other than 200 or a malformed body). */
export async function scrapeMetrics(address: string): Promise<Map<string, MetricFamily>> {
  const response = await fetch(`http://${address}/metrics`);
  if (response.status !== 200) throw new Error(`GET http://${address}/metrics answered ${response.status}`);
  return parsePrometheusText(await response.text());
}
