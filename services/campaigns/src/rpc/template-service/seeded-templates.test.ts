/**
 * The demo data's templates (database/seeds/001_seed_test_data.sql) pass the rules the service
 * holds new templates to, and render for the demo customers and invoices.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Violations } from '@cec/errors';
import { campaignsV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { checkTemplateContent } from '../../domain/template-rules';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { templateContentFromProto } from '../template-messages';

const SEED = readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'database', 'seeds', '001_seed_test_data.sql'), 'utf8');
const h = useCampaignsService();
const { Channel, SmsEncoding } = campaignsV1;

let seeded: campaignsV1.Template[] = [];

beforeAll(async () => {
  await h.db.query(SEED);
  seeded = (await call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ pageSize: 1000, allVersions: true, includeInactive: true }))).templates;
});

/** The problems checkTemplateContent finds, as "field: description". */
function problemsOf(template: campaignsV1.Template): { variables: string[]; problems: string[] } {
  const v = new Violations();
  const variables = checkTemplateContent(templateContentFromProto(template, v), v);
  try {
    v.throwIfAny();
    return { variables, problems: [] };
  } catch (error) {
    return { variables, problems: (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`) };
  }
}

describe('the seeded templates', () => {
  it('are the twelve of the seed, with the two the standard-b2b preset adds', () => {
    expect(seeded.map((t) => `${t.name}/${t.language}`)).toEqual([
      'final_call_script/en',
      'final_notice_email/en',
      'final_notice_letter/en',
      'firm_call_script/en',
      'firm_reminder_email/en',
      'firm_reminder_sms/en',
      'friendly_call_script/en',
      'friendly_reminder_email/de',
      'friendly_reminder_email/en',
      'legal_referral_email/en',
      'payment_reminder_sms/en',
      'pre_due_reminder_email/en',
    ]);
    expect(seeded.find((t) => t.name === 'final_notice_letter')).toMatchObject({ channel: Channel.CHANNEL_LETTER, tone: campaignsV1.TemplateTone.TEMPLATE_TONE_FINAL, active: true });
  });

  it('pass the rules of CreateTemplate and list the variables the service computes', () => {
    for (const template of seeded) {
      const { variables, problems } = problemsOf(template);
      expect({ template: template.name, language: template.language, problems, variables }).toEqual({
        template: template.name,
        language: template.language,
        problems: [],
        variables: template.variables,
      });
    }
  });

  it('render for a seeded customer and one of its invoices, every placeholder filled', async () => {
    const invoiceOf = async (invoiceNumber: string) =>
      (await h.db.query<{ id: string; customer_id: string }>('SELECT id, customer_id FROM payment_records WHERE invoice_number = $1', [invoiceNumber]))[0];
    const us = await invoiceOf('INV-2026-0004'); // Northwind Traders, USD
    const de = await invoiceOf('INV-2026-0027'); // Rheinland Maschinenbau, EUR
    for (const template of seeded) {
      const facts = template.language === 'de' ? de : us;
      const { content } = await call(h.templates, 'renderTemplate', { templateId: template.id, customerId: facts.customer_id, invoiceId: facts.id });
      expect({ template: template.name, leftover: `${content?.subject} ${content?.body} ${content?.htmlBody}`.match(/\{\{|\}\}/g) }).toEqual({ template: template.name, leftover: null });
      if (template.channel === Channel.CHANNEL_SMS) expect(content?.smsEncoding).toBe(SmsEncoding.SMS_ENCODING_GSM_7);
      if (template.channel === Channel.CHANNEL_EMAIL) expect(content?.htmlBody).toMatch(/^<p>/);
    }
    const german = await call(h.templates, 'renderTemplate', { templateId: seeded.find((t) => t.language === 'de')?.id as string, customerId: de.customer_id, invoiceId: de.id });
    expect(german.content?.body).toMatch(/über 14\.000,00\u00a0€ am \d{1,2}\. \S+ \d{4} fällig war/);
    const letter = await call(h.templates, 'renderTemplate', { templateId: seeded.find((t) => t.name === 'final_notice_letter')?.id as string, customerId: us.customer_id, invoiceId: us.id });
    expect(letter.content).toMatchObject({ channel: Channel.CHANNEL_LETTER, subject: expect.stringMatching(/^Final notice: invoice INV-2026-0004, \d+ days overdue$/), htmlBody: '' });
    expect(letter.content?.body).toMatch(/^Northwind Traders LLC\nFor the attention of Marcus Bell\n/);
  });
});
