import { Violations, type InvalidArgumentError } from '@cec/errors';
import { templateIdsOf, validateSteps, type StepDraft, type TemplateFacts } from './step';

const T = {
  email: 'aaaaaaaa-0000-4000-8000-000000000001',
  sms: 'aaaaaaaa-0000-4000-8000-000000000002',
  phone: 'aaaaaaaa-0000-4000-8000-000000000003',
  letter: 'aaaaaaaa-0000-4000-8000-000000000004',
  oldEmail: 'aaaaaaaa-0000-4000-8000-000000000005',
  unknown: 'aaaaaaaa-0000-4000-8000-00000000ffff',
};
const TEMPLATES = new Map<string, TemplateFacts>([
  [T.email, { id: T.email, name: 'friendly_reminder_email', channel: 'email', language: 'en', version: 2, active: true }],
  [T.sms, { id: T.sms, name: 'payment_reminder_sms', channel: 'sms', language: 'en', version: 1, active: true }],
  [T.phone, { id: T.phone, name: 'friendly_call_script', channel: 'phone', language: 'en', version: 1, active: true }],
  [T.letter, { id: T.letter, name: 'final_notice_letter', channel: 'letter', language: 'en', version: 1, active: true }],
  [T.oldEmail, { id: T.oldEmail, name: 'friendly_reminder_email', channel: 'email', language: 'en', version: 1, active: false }],
]);

const draft = (overrides: Partial<StepDraft> = {}): StepDraft => ({
  name: 'Reminder',
  taskType: 'send_email',
  templateId: T.email,
  delayDays: 1,
  anchor: 'due_date',
  fallbackTemplateId: '',
  ...overrides,
});

/** The violations of a schedule as "field: description". */
function problems(drafts: StepDraft[]): string[] {
  const v = new Violations();
  validateSteps(drafts, TEMPLATES, v);
  try {
    v.throwIfAny();
    return [];
  } catch (error) {
    return (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`);
  }
}

describe('validateSteps', () => {
  it('keeps a good schedule with its template versions, channels and defaults', () => {
    const v = new Violations();
    const steps = validateSteps(
      [
        draft({ delayDays: -3, priority: 'low' }),
        draft({ taskType: 'send_sms', templateId: T.sms, delayDays: 7, fallbackTaskType: 'send_letter', fallbackTemplateId: T.letter }),
        draft({ taskType: 'make_call', templateId: T.phone, delayDays: 2, anchor: 'previous_step', priority: 'high' }),
        draft({
          taskType: 'research',
          templateId: '',
          delayDays: 30,
          priority: 'urgent',
          conditions: { minAmountOverdue: [{ currencyCode: 'USD', amount: '100.00' }, { currencyCode: 'JPY', amount: '10000' }], minDaysOverdue: 20, riskLevels: ['critical', 'high', 'high'] },
        }),
      ],
      TEMPLATES,
      v,
    );
    expect(() => v.throwIfAny()).not.toThrow();
    expect(steps).toEqual([
      {
        name: 'Reminder', taskType: 'send_email', channel: 'email', template: { id: T.email, name: 'friendly_reminder_email', version: 2 },
        delayDays: -3, anchor: 'due_date', priority: 'low', conditions: { minAmountOverdue: {}, minDaysOverdue: null, riskLevels: [] }, fallback: null,
      },
      expect.objectContaining({
        taskType: 'send_sms', channel: 'sms', priority: 'medium',
        fallback: { taskType: 'send_letter', template: { id: T.letter, name: 'final_notice_letter', version: 1 } },
      }),
      expect.objectContaining({ taskType: 'make_call', channel: 'phone', anchor: 'previous_step', delayDays: 2, priority: 'high' }),
      expect.objectContaining({
        taskType: 'research', channel: null, template: null,
        conditions: { minAmountOverdue: { USD: '100.00', JPY: '10000' }, minDaysOverdue: 20, riskLevels: ['high', 'critical'] },
      }),
    ]);
  });

  it.each<[string, StepDraft[], string[]]>([
    ['no steps', [], ['campaign.steps: needs 1-50 steps (or a preset)']],
    ['too many steps', Array.from({ length: 51 }, () => draft()), ['campaign.steps: takes at most 50 steps, got 51']],
    ['no name', [draft({ name: '  ' })], ['campaign.steps[0].name: is required']],
    ['a long name', [draft({ name: 'x'.repeat(201) })], ['campaign.steps[0].name: must be at most 200 characters, got 201']],
    ['a contact step without template', [draft({ templateId: '' })], ['campaign.steps[0].template_id: is required for a send_email step: the id of an active email template version']],
    ['a template id that is no UUID', [draft({ templateId: 'friendly' })], ['campaign.steps[0].template_id: must be a UUID, got "friendly"']],
    ['an unknown template', [draft({ templateId: T.unknown })], [`campaign.steps[0].template_id: no template version has id ${T.unknown}`]],
    [
      'a template of another channel',
      [draft(), draft({ taskType: 'send_sms', templateId: T.email, delayDays: 2 })],
      ['campaign.steps[1].template_id: is a email template (friendly_reminder_email version 2); a send_sms step needs a sms template'],
    ],
    ['an inactive template', [draft({ templateId: T.oldEmail })], ['campaign.steps[0].template_id: template friendly_reminder_email version 1 (en) is not active: use an active version']],
    ['a template on research', [draft({ taskType: 'research', templateId: T.email })], ['campaign.steps[0].template_id: must be empty for a research step, which contacts nobody']],
    ['a template on manual review', [draft({ taskType: 'manual_review', templateId: T.email })], ['campaign.steps[0].template_id: must be empty for a manual_review step, which contacts nobody']],
    ['a first step after a previous one', [draft({ anchor: 'previous_step' })], ['campaign.steps[0].anchor: the first step cannot count from a previous step: anchor it to the due date']],
    ['a negative wait after the previous step', [draft(), draft({ anchor: 'previous_step', delayDays: -1 })], ['campaign.steps[1].delay_days: must be 0 or more for a step that counts from the previous step, got -1']],
    [
      'due-date steps out of order',
      [draft({ delayDays: 7 }), draft({ delayDays: 3 })],
      ['campaign.steps[1].delay_days: is day 3 of the due date, before the previous step (due on day 7 at the earliest): steps must be in time order'],
    ],
    [
      'a due-date step before a previous-step one',
      [draft({ delayDays: 1 }), draft({ anchor: 'previous_step', delayDays: 10 }), draft({ delayDays: 5 })],
      ['campaign.steps[2].delay_days: is day 5 of the due date, before the previous step (due on day 11 at the earliest): steps must be in time order'],
    ],
    ['a delay beyond ten years', [draft({ delayDays: 4000 })], ['campaign.steps[0].delay_days: must be between -3650 and 3650, got 4000']],
    [
      'bad amount conditions',
      [draft({ conditions: { minAmountOverdue: [{ currencyCode: 'usd', amount: '1' }, { currencyCode: 'USD', amount: '1.234' }, { currencyCode: 'EUR', amount: 'ten' }, { currencyCode: 'USD', amount: '5' }], minDaysOverdue: 0, riskLevels: [] } })],
      [
        'campaign.steps[0].conditions.min_amount_overdue[0].currency_code: must be an ISO 4217 currency code such as USD, got "usd"',
        'campaign.steps[0].conditions.min_amount_overdue[1].amount: USD has 2 decimal places, got "1.234"',
        'campaign.steps[0].conditions.min_amount_overdue[2].amount: must be a decimal string such as "1200.50", got "ten"',
        'campaign.steps[0].conditions.min_amount_overdue[3].currency_code: USD is given twice: one minimum per currency',
      ],
    ],
    ['a negative amount', [draft({ conditions: { minAmountOverdue: [{ currencyCode: 'USD', amount: '-1' }], minDaysOverdue: 0, riskLevels: [] } })], ['campaign.steps[0].conditions.min_amount_overdue[0].amount: must not be negative, got "-1"']],
    ['negative days overdue', [draft({ conditions: { minAmountOverdue: [], minDaysOverdue: -1, riskLevels: [] } })], ['campaign.steps[0].conditions.min_days_overdue: must be between 0 and 3650, got -1']],
    ['a fallback template without task type', [draft({ fallbackTemplateId: T.sms })], ['campaign.steps[0].fallback_task_type: is required with fallback_template_id: the contact that replaces the step']],
    ['a fallback task type without template', [draft({ fallbackTaskType: 'send_sms' })], ['campaign.steps[0].fallback_template_id: is required for a send_sms step: the id of an active sms template version']],
    ['a fallback to research', [draft({ fallbackTaskType: 'research', fallbackTemplateId: T.sms })], ['campaign.steps[0].fallback_task_type: must be a contact task type (e-mail, SMS, call or letter), not research']],
    ['a fallback on the same channel', [draft({ fallbackTaskType: 'send_email', fallbackTemplateId: T.email })], ['campaign.steps[0].fallback_task_type: must contact on another channel than the step (email)']],
    [
      'a fallback for a letter',
      [draft({ taskType: 'send_letter', templateId: T.letter, fallbackTaskType: 'send_email', fallbackTemplateId: T.email })],
      ['campaign.steps[0].fallback_task_type: a send_letter step cannot fall back: only steps on a channel compliance decides (email, sms, phone) can'],
    ],
    [
      'a fallback template of the wrong channel',
      [draft({ fallbackTaskType: 'send_sms', fallbackTemplateId: T.phone })],
      ['campaign.steps[0].fallback_template_id: is a phone template (friendly_call_script version 1); a send_sms step needs a sms template'],
    ],
  ])('names %s', (_name, drafts, expected) => {
    expect(problems(drafts)).toEqual(expected);
  });

  it('reports every problem of every step at once', () => {
    expect(problems([draft({ name: '', templateId: '' }), draft({ delayDays: -5 }), draft({ taskType: 'research' })]).map((p) => p.split(':')[0])).toEqual([
      'campaign.steps[0].name',
      'campaign.steps[0].template_id',
      'campaign.steps[1].delay_days',
      'campaign.steps[2].template_id',
    ]);
  });

  it('skips what the transport already reported (no task type or anchor)', () => {
    expect(problems([draft({ taskType: undefined, templateId: T.email }), draft({ anchor: undefined })])).toEqual([]);
  });
});

describe('templateIdsOf', () => {
  it('collects well-formed ids once, lower-cased', () => {
    expect(templateIdsOf([draft({ templateId: T.email.toUpperCase() }), draft({ templateId: 'x', fallbackTemplateId: T.sms }), draft()])).toEqual([T.email, T.sms]);
  });
});
