import { InvalidArgumentError, Violations } from '@cec/errors';
import { checkTemplateContent, hasOptOutInstruction, type TemplateContent } from './template-rules';

const base: TemplateContent = {
  name: 'reminder_email',
  channel: 'email',
  tone: 'friendly',
  language: 'en',
  subject: 'Invoice {{invoice_number}}',
  body: 'Hi {{contact_name}}, {{amount_due}} is due. {{opt_out_instructions}}',
};

/** The violations checkTemplateContent adds, as "field: description". */
function problems(content: Partial<TemplateContent>): { variables: string[]; violations: string[] } {
  const v = new Violations();
  const variables = checkTemplateContent({ ...base, ...content }, v);
  try {
    v.throwIfAny();
    return { variables, violations: [] };
  } catch (error) {
    return { variables, violations: (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`) };
  }
}

describe('checkTemplateContent', () => {
  it('accepts a good e-mail template and lists the variables of subject and body', () => {
    expect(problems({})).toEqual({ variables: ['invoice_number', 'contact_name', 'amount_due', 'opt_out_instructions'], violations: [] });
  });

  it.each<[string, Partial<TemplateContent>, RegExp]>([
    ['a bad name', { name: 'Reminder Email' }, /^template\.name: must match/],
    ['no name', { name: '' }, /^template\.name: is required/],
    ['a bad language', { language: 'english' }, /^template\.language: must be a language such as "en"/],
    ['an e-mail without subject', { subject: null }, /^template\.subject: is required for email templates/],
    ['a letter without subject', { channel: 'letter', subject: '  ' }, /^template\.subject: is required for letter templates/],
    ['an SMS with a subject', { channel: 'sms', subject: 'x', body: 'Reply STOP to opt out.' }, /^template\.subject: is only for e-mail and letter templates, not sms/],
    ['a subject of two lines', { subject: 'a\nb' }, /^template\.subject: must be one line/],
    ['a subject of 201 characters', { subject: 'x'.repeat(201) }, /^template\.subject: must be at most 200 characters, got 201/],
    ['an unknown variable in the subject', { subject: '{{deadline_date}}' }, /^template\.subject: uses unknown variable \{\{deadline_date\}\}/],
    ['an empty body', { body: ' \n ' }, /^template\.body: is required/],
    ['an unknown variable in the body', { body: '{{agent_name}} {{opt_out_instructions}}' }, /^template\.body: uses unknown variable \{\{agent_name\}\}/],
    ['a block helper', { body: '{{#if contact_name}}x{{/if}} unsubscribe' }, /^template\.body: the block \{\{#if\}\}/],
    ['an SMS body over 1600 characters', { channel: 'sms', subject: null, body: `Reply STOP to opt out. ${'x'.repeat(1600)}` }, /^template\.body: must be at most 1600 characters for sms templates/],
    ['an e-mail without an opt-out instruction', { body: 'Pay now.' }, /^template\.body: an e-mail template must tell the reader how to opt out: .*Regulation F, 12 CFR 1006\.6\(e\)/],
    ['an SMS without an opt-out instruction', { channel: 'sms', subject: null, body: 'Pay {{amount_due}} now.' }, /^template\.body: an SMS template must tell the reader how to opt out/],
  ])('refuses %s', (_case, content, violation) => {
    const { violations } = problems(content);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(violation);
  });

  it.each<[Partial<TemplateContent>]>([
    [{ channel: 'phone', subject: null, body: 'Hello {{contact_name}}, this is {{sender_company}}.' }],
    [{ channel: 'letter', subject: 'Final notice', body: 'Dear {{contact_name}}, pay {{amount_due}}.' }],
  ])('does not ask phone scripts and letters for an opt-out instruction (%#)', (content) => {
    expect(problems(content).violations).toEqual([]);
  });

  it('names every problem at once', () => {
    expect(problems({ name: 'X', subject: null, body: '{{nope}}' }).violations.map((v) => v.split(':')[0])).toEqual([
      'template.name',
      'template.subject',
      'template.body',
      'template.body',
    ]);
  });
});

describe('hasOptOutInstruction', () => {
  it.each([
    ['{{opt_out_instructions}}', ['opt_out_instructions'], true],
    ['Reply STOP to opt out.', [], true],
    ['reply stop to end', [], true],
    ['Text STOP to 12345', [], true],
    ['Send the word STOP', [], true],
    ['To unsubscribe, reply UNSUBSCRIBE.', [], true],
    ['You may opt-out at any time.', [], true],
    ['Antworten Sie STOP.', [], true],
    ['Sie können sich jederzeit abmelden.', [], true],
    ['Please stop by our office.', [], false],
    ['STOP', [], false],
    ['Pay at the link.', [], false],
  ])('%j -> %s', (body, variables, expected) => {
    expect(hasOptOutInstruction(body, variables)).toBe(expected);
  });
});
