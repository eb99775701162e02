import Handlebars from 'handlebars';
import { htmlTemplateSource, readTemplateText } from './template-syntax';

describe('readTemplateText', () => {
  it.each([
    ['plain text', 'Hello there.', []],
    ['one variable', 'Hi {{contact_name}}!', ['contact_name']],
    ['variables once each, in order of first use', '{{invoice_number}} {{amount_due}} {{invoice_number}}', ['invoice_number', 'amount_due']],
    ['whitespace control and spaces inside the braces', '{{~ contact_name ~}} and {{ company_name }}', ['contact_name', 'company_name']],
    ['comments', '{{! a note for the author }}Hi {{contact_name}}', ['contact_name']],
    ['an escaped mustache is text', 'Write \\{{contact_name}} literally', []],
  ])('%s: variables %j', (_case, source, variables) => {
    expect(readTemplateText(source)).toEqual({ variables, problems: [] });
  });

  it.each([
    ['an unknown variable, named', 'Hi {{deadline_date}}', /unknown variable \{\{deadline_date\}\}; the variables are company_name, /],
    ['every unknown variable, named once', '{{agent_name}} {{legal_contact}} {{agent_name}}', /unknown variables \{\{agent_name\}\}, \{\{legal_contact\}\};/],
    ['#if', '{{#if contact_name}}Hi{{/if}}', /^the block \{\{#if\}\} \(line 1\): templates allow only text and \{\{variable\}\} placeholders/],
    ['#each', 'x\n{{#each items}}{{this}}{{/each}}', /^the block \{\{#each\}\} \(line 2\)/],
    ['an inverse block', '{{^contact_name}}none{{/contact_name}}', /^the block \{\{#contact_name\}\}/],
    ['a partial', '{{> footer}}', /^a partial/],
    ['a helper call', '{{lookup company_name "x"}}', /^the helper call \{\{lookup …\}\}/],
    ['a hash argument', '{{company_name style="x"}}', /^the helper call/],
    ['raw output', '{{{company_name}}}', /^\{\{\{company_name\}\}\} \(line 1\): raw \(unescaped\) output is not allowed/],
    ['a dotted path', '{{customer.name}}', /^\{\{customer.name\}\}/],
    ['a parent path', '{{../company_name}}', /^\{\{..\/company_name\}\}/],
    ['a data variable', '{{@root}}', /^\{\{@root\}\}/],
    ['this', '{{this}}', /^\{\{this\}\}/],
    ['a literal', '{{"text"}}', /^\{\{text\}\}/],
    ['a syntax error', 'Hi {{contact_name', /^is not a valid template: Parse error on line 1/],
    ['an unclosed block', '{{#if x}}', /^is not a valid template: Parse error on line 1: Expecting /],
  ])('%s is refused', (_case, source, problem) => {
    const text = readTemplateText(source);
    expect(text.problems).toHaveLength(1);
    expect(text.problems[0]).toMatch(problem);
  });
});

describe('htmlTemplateSource', () => {
  const render = (source: string, values: Record<string, string>) => Handlebars.compile(htmlTemplateSource(source), { strict: true })(values);

  it('makes paragraphs of blank-line separated text and <br> of single line breaks', () => {
    expect(render('Hi {{contact_name}},\n\nline one\nline two\n\n\n  \nBye', { contact_name: 'Dana' })).toBe(
      '<p>Hi Dana,</p>\n<p>line one<br>\nline two</p>\n<p>Bye</p>',
    );
  });

  it("escapes the template's own text and every value", () => {
    expect(render('Tom & Jerry <3 "{{company_name}}"', { company_name: '<b>Evil & Co</b>' })).toBe(
      '<p>Tom &amp; Jerry &lt;3 &quot;&lt;b&gt;Evil &amp; Co&lt;/b&gt;&quot;</p>',
    );
  });

  it('keeps text that looks like Handlebars as text', () => {
    expect(render('a \\{{company_name}} b {c} \\', { company_name: 'X' })).toBe('<p>a &#123;&#123;company_name&#125;&#125; b &#123;c&#125; &#92;</p>');
  });
});
