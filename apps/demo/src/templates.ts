import { randomUUID } from 'node:crypto';
import { campaignsV1 } from '@cec/proto';
import { unary } from './unary';

const { Channel } = campaignsV1;

/** The templates the demo's campaign uses: the demo data's, by name; made here (version 1) where a deployment lacks one. */
const NEEDED = {
  email: {
    name: 'friendly_reminder_email',
    channel: Channel.CHANNEL_EMAIL,
    subject: 'Reminder: invoice {{invoice_number}}',
    body: 'Dear {{contact_name}}, {{amount_due}} is now overdue on invoice {{invoice_number}}. {{opt_out_instructions}}',
  },
  sms: {
    name: 'payment_reminder_sms',
    channel: Channel.CHANNEL_SMS,
    subject: '',
    body: '{{sender_company}}: {{amount_due}} overdue on {{invoice_number}}. {{opt_out_instructions}}',
  },
  letter: {
    name: 'final_notice_letter',
    channel: Channel.CHANNEL_LETTER,
    subject: 'Final notice: invoice {{invoice_number}}',
    body: 'Dear {{contact_name}}, {{amount_due}} remains unpaid on invoice {{invoice_number}}, {{days_overdue}} days past its due date.',
  },
  call: {
    name: 'friendly_call_script',
    channel: Channel.CHANNEL_PHONE,
    subject: '',
    body: 'Ask {{contact_name}} when {{amount_due}} on invoice {{invoice_number}} will be paid.',
  },
} as const;

export type DemoTemplates = Record<keyof typeof NEEDED, string>;

/** The id of each template the campaign needs (English, latest active version). */
export async function demoTemplates(templates: campaignsV1.TemplateServiceClient): Promise<{ ids: DemoTemplates; created: string[] }> {
  const ids = {} as DemoTemplates;
  const created: string[] = [];
  for (const [key, wanted] of Object.entries(NEEDED) as [keyof typeof NEEDED, (typeof NEEDED)[keyof typeof NEEDED]][]) {
    const { templates: found } = await unary(
      templates,
      'listTemplates',
      campaignsV1.ListTemplatesRequest.fromPartial({ name: wanted.name, channel: wanted.channel, language: 'en', pageSize: 10 }),
    );
    const existing = found.find((t) => t.active && t.name === wanted.name);
    if (existing) {
      ids[key] = existing.id;
      continue;
    }
    const { template } = await unary(templates, 'createTemplate', {
      template: campaignsV1.Template.fromPartial({ ...wanted, language: 'en' }),
      requestId: randomUUID(),
    });
    ids[key] = template?.id as string;
    created.push(wanted.name);
  }
  return { ids, created };
}
