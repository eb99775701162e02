import { FailedPreconditionError, Violations } from '@cec/errors';
import { PRESETS, presetByName, presetDrafts, presetTemplateNames, type CampaignPreset } from './presets';
import { validateSteps, type TemplateFacts } from './step';

let serial = 0;
function preset(name: string): CampaignPreset {
  const found = presetByName(name);
  if (!found) throw new Error(`no preset ${name}`);
  return found;
}

const template = (name: string, channel: TemplateFacts['channel'], overrides: Partial<TemplateFacts> = {}): TemplateFacts => {
  serial += 1;
  return { id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`, name, channel, language: 'en', version: 1, active: true, ...overrides };
};

/** One active "en" version of every template the presets name. */
const INSTALLED = [
  template('pre_due_reminder_email', 'email'),
  template('friendly_reminder_email', 'email'),
  template('firm_reminder_email', 'email'),
  template('payment_reminder_sms', 'sms'),
  template('friendly_call_script', 'phone'),
  template('final_notice_letter', 'letter'),
];

describe('campaign presets', () => {
  it('standard-b2b is the issue\'s schedule, every step counting from the due date', () => {
    const preset = presetByName('standard-b2b');
    expect(preset?.steps.map((s) => [s.taskType, s.template, s.delayDays, s.anchor, s.priority])).toEqual([
      ['send_email', 'pre_due_reminder_email', -3, 'due_date', 'low'],
      ['send_email', 'friendly_reminder_email', 1, 'due_date', 'medium'],
      ['send_sms', 'payment_reminder_sms', 7, 'due_date', 'medium'],
      ['make_call', 'friendly_call_script', 14, 'due_date', 'high'],
      ['send_letter', 'final_notice_letter', 21, 'due_date', 'high'],
      ['research', null, 30, 'due_date', 'urgent'],
    ]);
    expect(PRESETS.map((p) => p.name)).toEqual(['standard-b2b', 'gentle-b2b']);
    expect(presetByName('gentle-b2b')?.steps.map((s) => s.taskType)).not.toContain('make_call');
    expect(presetByName('aggressive')).toBeUndefined();
  });

  it.each(PRESETS.map((p) => [p.name]))('%s resolves to steps that pass the same checks as a caller\'s', (name) => {
    const p = preset(name);
    const drafts = presetDrafts(p, INSTALLED);
    const v = new Violations();
    const steps = validateSteps(drafts, new Map(INSTALLED.map((t) => [t.id, t])), v);
    expect(() => v.throwIfAny()).not.toThrow();
    expect(steps.map((s) => s.template?.name ?? null)).toEqual(p.steps.map((s) => s.template));
    expect(presetTemplateNames(p)).toEqual([...new Set(p.steps.flatMap((s) => (s.template ? [s.template] : [])))]);
  });

  it('takes the latest active version in the language asked for, else in English, on the step\'s channel', () => {
    const p = preset('standard-b2b');
    const newer = template('friendly_reminder_email', 'email', { version: 3 });
    const newestInactive = template('friendly_reminder_email', 'email', { version: 4, active: false });
    const german = template('payment_reminder_sms', 'sms', { language: 'de', version: 1 });
    const wrongChannel = template('friendly_call_script', 'sms', { version: 9 });
    const candidates = [...INSTALLED, newer, newestInactive, german, wrongChannel];
    const ids = (language?: string) => presetDrafts(p, candidates, language).map((d) => d.templateId);
    expect(ids()[1]).toBe(newer.id);
    expect(ids()[2]).toBe(INSTALLED[3].id);
    expect(ids('de')[2]).toBe(german.id);
    expect(ids('de')[1]).toBe(newer.id); // no German version: English
    expect(ids()[3]).toBe(INSTALLED[4].id);
  });

  it('names every template that has no active version: FAILED_PRECONDITION', () => {
    const p = preset('standard-b2b');
    const some = INSTALLED.filter((t) => t.name !== 'pre_due_reminder_email' && t.name !== 'final_notice_letter');
    expect(() => presetDrafts(p, some)).toThrow(FailedPreconditionError);
    expect(() => presetDrafts(p, some)).toThrow(
      'preset standard-b2b needs templates that have no active version: pre_due_reminder_email (email, en), final_notice_letter (letter, en); ' +
        'create them (TemplateService) or give the steps yourself',
    );
  });

  it('cannot be changed by a caller', () => {
    const p = preset('standard-b2b');
    expect(() => {
      (p.steps[0] as { delayDays: number }).delayDays = 5;
    }).toThrow(TypeError);
    expect(() => (p.steps as unknown[]).push({})).toThrow(TypeError);
  });
});
