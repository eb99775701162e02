/**
 * What a template's text may say, read from Handlebars' own parser (never a home-made one):
 * text and `{{variable}}` placeholders of the known variables, nothing else. Helpers, blocks
 * (`{{#if}}`, `{{#each}}`), partials, decorators, paths (`{{a.b}}`, `{{../x}}`, `{{@root}}`),
 * literals and raw output (`{{{x}}}`, which would skip HTML escaping) are refused, so a template
 * is logic-free and every value it renders in HTML is escaped.
 */
import Handlebars from 'handlebars';
import { isKnownVariable, TEMPLATE_VARIABLES, type VariableName } from './template-variables';

/** A template text as the parser sees it: its placeholders, or what is wrong with it. */
export interface TemplateText {
  /** Known variables used, in order of first use. */
  variables: VariableName[];
  /** What is wrong, one sentence each (empty when the text is fine). */
  problems: string[];
}

const ONLY_PLACEHOLDERS = 'templates allow only text and {{variable}} placeholders (no helpers, blocks, partials, paths or raw {{{ }}} output)';

/** Parses `source` and checks every node; unknown variables are named together in one problem. */
export function readTemplateText(source: string): TemplateText {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    return { variables: [], problems: [`is not a valid template: ${parseProblem(error)}`] };
  }
  const variables: VariableName[] = [];
  const unknown: string[] = [];
  const problems: string[] = [];
  for (const node of program.body) {
    if (node.type === 'ContentStatement' || node.type === 'CommentStatement') continue;
    const where = lineOf(node);
    if (node.type !== 'MustacheStatement') {
      problems.push(`${describe(node)}${where}: ${ONLY_PLACEHOLDERS}`);
      continue;
    }
    const mustache = node as hbs.AST.MustacheStatement;
    const name = simpleName(mustache);
    if (name === undefined || mustache.params.length > 0 || (mustache.hash?.pairs.length ?? 0) > 0) {
      problems.push(`${describe(node)}${where}: ${ONLY_PLACEHOLDERS}`);
      continue;
    }
    if (!mustache.escaped) {
      problems.push(`{{{${name}}}}${where}: raw (unescaped) output is not allowed, write {{${name}}}`);
      continue;
    }
    if (!isKnownVariable(name)) {
      if (!unknown.includes(name)) unknown.push(name);
      continue;
    }
    if (!variables.includes(name)) variables.push(name);
  }
  if (unknown.length) {
    problems.push(
      `uses unknown variable${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `{{${n}}}`).join(', ')}; ` +
        `the variables are ${TEMPLATE_VARIABLES.map((v) => v.name).join(', ')}`,
    );
  }
  return { variables, problems };
}

/**
 * The Handlebars source that renders `source` (a plain-text template that readTemplateText
 * accepted) as HTML: the template's own text HTML-escaped, blank lines as paragraphs and line
 * breaks as <br>, each placeholder an escaping `{{name}}`.
 */
export function htmlTemplateSource(source: string): string {
  let text = '';
  for (const node of Handlebars.parse(source).body) {
    if (node.type === 'ContentStatement') text += escapeHtml((node as hbs.AST.ContentStatement).value);
    else if (node.type === 'MustacheStatement') text += `{{${simpleName(node as hbs.AST.MustacheStatement)}}}`;
  }
  return text
    .split(/\r?\n[ \t]*(?:\r?\n[ \t]*)+/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0)
    .map((paragraph) => `<p>${paragraph.replace(/\r?\n/g, '<br>\n')}</p>`)
    .join('\n');
}

/** The variable a mustache names, when it is a plain identifier (`{{name}}`, `{{~name~}}`). */
function simpleName(node: hbs.AST.MustacheStatement): string | undefined {
  const path = node.path;
  if (path.type !== 'PathExpression') return undefined;
  const p = path as hbs.AST.PathExpression;
  if (p.data || p.depth !== 0 || p.parts.length !== 1 || p.original !== p.parts[0]) return undefined;
  return /^[a-z][a-z0-9_]*$/i.test(p.original) ? p.original : undefined;
}

function describe(node: hbs.AST.Node): string {
  switch (node.type) {
    case 'BlockStatement':
      return `the block {{#${originalOf((node as hbs.AST.BlockStatement).path)}}}`;
    case 'PartialStatement':
    case 'PartialBlockStatement':
      return 'a partial {{> …}}';
    case 'Decorator':
    case 'DecoratorBlock':
      return 'a decorator {{* …}}';
    case 'MustacheStatement': {
      const m = node as hbs.AST.MustacheStatement;
      const head = originalOf(m.path);
      return m.params.length || m.hash?.pairs.length ? `the helper call {{${head} …}}` : `{{${head}}}`;
    }
    default:
      return `a ${node.type}`;
  }
}

function originalOf(expression: hbs.AST.Expression): string {
  const original = (expression as { original?: unknown }).original;
  return String(original ?? expression.type).slice(0, 60);
}

function lineOf(node: hbs.AST.Node): string {
  return node.loc ? ` (line ${node.loc.start.line})` : '';
}

/** The parser's message without its source excerpt: "Parse error on line 1: … Expecting …, got 'EOF'". */
function parseProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n');
  const expecting = lines.find((l) => l.startsWith('Expecting') || l.includes('doesn\'t match'));
  return `${lines[0].replace(/:$/, '')}${expecting ? `: ${expecting}` : ''}`.slice(0, 500);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
  // Never read as Handlebars syntax when the HTML source is compiled.
  '{': '&#123;',
  '}': '&#125;',
  '\\': '&#92;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`={}\\]/g, (c) => HTML_ESCAPES[c]);
}
