import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1, customersV1 } from '@cec/proto';
import { call, expectInvalid, fieldViolationsOf, rejectionOf, snapshot } from '@cec/testing';
import { daysOverdue } from '../../domain/render-locale';
import { useCampaignsService } from '../../testing/campaigns-harness';

const h = useCampaignsService({ env: { SENDER_COMPANY: 'Northwind Receivables', PAYMENT_LINK_BASE: 'https://pay.test/i/' } });
const { Channel, TemplateTone, SmsEncoding } = campaignsV1;

let serial = 0;
const uniqueName = (prefix: string) => `${prefix}_${++serial}_${randomUUID().slice(0, 6)}`;

const EMAIL_BODY =
  'Hi {{contact_name}},\n\nInvoice {{invoice_number}} of {{company_name}} for {{amount_due}} was due on {{due_date}} ({{days_overdue}} days ago).\n' +
  'Pay at {{payment_link}}.\n\n{{sender_company}}\n{{opt_out_instructions}}';

const templateMessage = (fields: Partial<campaignsV1.Template> = {}) =>
  campaignsV1.Template.fromPartial({
    name: uniqueName('reminder'),
    channel: Channel.CHANNEL_EMAIL,
    subject: 'Invoice {{invoice_number}} is overdue',
    body: EMAIL_BODY,
    ...fields,
  });

async function create(fields: Partial<campaignsV1.Template> = {}, requestId = ''): Promise<campaignsV1.Template> {
  return (await call(h.templates, 'createTemplate', { template: templateMessage(fields), requestId })).template as campaignsV1.Template;
}

const update = (template: Partial<campaignsV1.Template>, updateMask?: string[], requestId = '') =>
  call(h.templates, 'updateTemplate', { template: campaignsV1.Template.fromPartial(template), updateMask, requestId });

const get = async (templateId: string) => (await call(h.templates, 'getTemplate', { templateId })).template as campaignsV1.Template;

/** The templates and the audit events (not the seal columns the compliance sequencer fills in later). */
const state = async () => ({
  ...(await snapshot(h.db, ['templates'])),
  audit_logs: await h.db.query('SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs ORDER BY id'),
});

const auditEvents = (entityId: string) =>
  h.db.query<{ entity_type: string; action: string; actor_type: string; actor_id: string; details: Record<string, unknown> }>(
    'SELECT entity_type, action, actor_type, actor_id, details FROM audit_logs WHERE entity_id = $1 ORDER BY created_at, id',
    [entityId],
  );

async function newCustomer(profile: { countryCode: string; timeZone: string; contactName?: string; companyName?: string }): Promise<string> {
  serial += 1;
  const { customer } = await call(h.customers, 'createCustomer', {
    customer: customersV1.Customer.fromPartial({
      companyName: profile.companyName ?? `Templates Test ${serial} ${randomUUID().slice(0, 6)}`,
      contactName: profile.contactName ?? 'Dana Whitfield',
      email: `ap${serial}@example.com`,
    }),
    profile: customersV1.CustomerProfile.fromPartial({ countryCode: profile.countryCode, timeZone: profile.timeZone }),
    requestId: randomUUID(),
  });
  return customer?.id as string;
}

const isoDaysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

async function newInvoice(customerId: string, amount: string, currencyCode: string, dueDaysAgo: number): Promise<customersV1.Invoice> {
  serial += 1;
  const { invoice } = await call(h.invoices, 'createInvoice', {
    invoice: customersV1.Invoice.fromPartial({
      customerId,
      invoiceNumber: `TPL-${serial}-${randomUUID().slice(0, 6)}`,
      amount: { amount, currencyCode },
      issuedDate: isoDaysAgo(dueDaysAgo + 30),
      dueDate: isoDaysAgo(dueDaysAgo),
    }),
    requestId: randomUUID(),
  });
  return invoice as customersV1.Invoice;
}

const longDate = (date: string, locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

describe('CreateTemplate and GetTemplate', () => {
  it('creates version 1 with the variables it uses, active and latest, audited', async () => {
    const name = uniqueName('created');
    const created = await create({ name, tone: TemplateTone.TEMPLATE_TONE_FIRM, language: 'en-GB' });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name,
      channel: Channel.CHANNEL_EMAIL,
      tone: TemplateTone.TEMPLATE_TONE_FIRM,
      language: 'en-GB',
      version: 1,
      subject: 'Invoice {{invoice_number}} is overdue',
      body: EMAIL_BODY,
      variables: ['invoice_number', 'contact_name', 'company_name', 'amount_due', 'due_date', 'days_overdue', 'payment_link', 'sender_company', 'opt_out_instructions'],
      active: true,
      latest: true,
      createTime: expect.any(Date),
      createdBy: 'service:unknown',
    });
    expect(await get(created.id)).toEqual(created);
    expect(await auditEvents(created.id)).toEqual([
      {
        entity_type: 'template',
        action: 'created',
        actor_type: 'service',
        actor_id: 'unknown',
        details: expect.objectContaining({ after: expect.objectContaining({ name, version: 1, language: 'en-GB', active: true }) }),
      },
    ]);
    const [row] = await h.db.query('SELECT variables, is_active FROM templates WHERE id = $1', [created.id]);
    expect(row).toEqual({ variables: created.variables, is_active: true });
  });

  it('defaults the tone to friendly and the language to en; SMS, phone and letter templates', async () => {
    const sms = await create({ channel: Channel.CHANNEL_SMS, subject: '', body: '{{company_name}}: {{amount_due}} due. Reply STOP to opt out.' });
    expect(sms).toMatchObject({ tone: TemplateTone.TEMPLATE_TONE_FRIENDLY, language: 'en', subject: '', variables: ['company_name', 'amount_due'] });
    const phone = await create({ channel: Channel.CHANNEL_PHONE, subject: '', body: 'Hello {{contact_name}}, this is {{sender_company}}.' });
    expect(phone.channel).toBe(Channel.CHANNEL_PHONE);
    const letter = await create({ channel: Channel.CHANNEL_LETTER, tone: TemplateTone.TEMPLATE_TONE_FINAL, subject: 'Final notice', body: 'Dear {{contact_name}}' });
    expect(letter).toMatchObject({ channel: Channel.CHANNEL_LETTER, subject: 'Final notice', variables: ['contact_name'] });
  });

  it('a retry with the same request_id returns the first version; the id reused for another template is refused', async () => {
    const requestId = randomUUID();
    const template = templateMessage();
    const [first, twin] = await Promise.all([
      call(h.templates, 'createTemplate', { template, requestId }),
      call(h.templates, 'createTemplate', { template, requestId }),
    ]);
    expect(twin.template).toEqual(first.template);
    expect((await call(h.templates, 'createTemplate', { template, requestId })).template).toEqual(first.template);
    expect(await h.db.query('SELECT count(*)::int AS n FROM templates WHERE name = $1', [template.name])).toEqual([{ n: 1 }]);
    await expectInvalid(call(h.templates, 'createTemplate', { template: templateMessage(), requestId }), ['request_id']);
  });

  it('refuses a second template of the same name and language (ALREADY_EXISTS); another language is another template', async () => {
    const name = uniqueName('twice');
    await create({ name });
    const before = await state();
    const error = await rejectionOf(create({ name }));
    expect({ code: status[error.code], details: error.details }).toEqual({
      code: 'ALREADY_EXISTS',
      details: `a template named ${name} in language en exists (latest version 1): edit it with UpdateTemplate, or choose another name`,
    });
    expect(await state()).toEqual(before);
    expect((await create({ name, language: 'de', body: 'Hallo {{contact_name}}. {{opt_out_instructions}}' })).language).toBe('de');
  });

  it('refuses bad input naming every bad field, and stores nothing', async () => {
    const before = await state();
    const error = await expectInvalid(
      call(h.templates, 'createTemplate', {
        template: templateMessage({ name: 'Bad Name', language: 'english', subject: '{{deadline_date}}', body: 'Pay {{#if amount_due}}now{{/if}}, {{agent_name}}.' }),
        requestId: 'not-a-uuid',
      }),
      ['request_id', 'template.name', 'template.language', 'template.subject', 'template.body'],
    );
    expect(fieldViolationsOf(error)?.map((v) => `${v.field}: ${v.description}`)).toEqual([
      'request_id: must be a UUID, got "not-a-uuid"',
      'template.name: must match ^[a-z0-9][a-z0-9_]{0,99}$ (lower case, digits and _)',
      'template.language: must be a language such as "en", "de" or "en-GB", got "english"',
      expect.stringMatching(/^template\.subject: uses unknown variable \{\{deadline_date\}\}; the variables are company_name, contact_name, /),
      expect.stringMatching(/^template\.body: the block \{\{#if\}\} \(line 1\): templates allow only text and \{\{variable\}\} placeholders/),
      expect.stringMatching(/^template\.body: uses unknown variable \{\{agent_name\}\}; /),
      expect.stringMatching(/^template\.body: an e-mail template must tell the reader how to opt out: .* \(Regulation F, 12 CFR 1006\.6\(e\)/),
    ]);
    await expectInvalid(call(h.templates, 'createTemplate', { template: templateMessage({ channel: Channel.CHANNEL_UNSPECIFIED }), requestId: '' }), ['template.channel']);
    await expectInvalid(call(h.templates, 'createTemplate', { template: templateMessage({ channel: Channel.CHANNEL_SMS, body: 'Pay {{amount_due}} now.' }), requestId: '' }), [
      'template.subject',
      'template.body',
    ]);
    await expectInvalid(call(h.templates, 'createTemplate', { template: templateMessage({ subject: '' }), requestId: '' }), ['template.subject']);
    await expectInvalid(call(h.templates, 'createTemplate', { template: undefined, requestId: '' }), ['template']);
    expect(await state()).toEqual(before);
  });

  it('GetTemplate: an unknown id is NOT_FOUND, a malformed one INVALID_ARGUMENT', async () => {
    const missing = randomUUID();
    const error = await rejectionOf(get(missing));
    expect({ code: status[error.code], details: error.details }).toEqual({ code: 'NOT_FOUND', details: `template version ${missing} not found` });
    await expectInvalid(get('x'), ['template_id']);
  });
});

describe('UpdateTemplate', () => {
  it('makes version 2 from the latest; version 1 stays readable, superseded and no longer active; audited', async () => {
    const v1 = await create();
    const { template: v2 } = await update({ id: v1.id, body: 'New text for {{company_name}}. {{opt_out_instructions}}', tone: TemplateTone.TEMPLATE_TONE_FIRM });
    expect(v2).toMatchObject({
      name: v1.name,
      language: 'en',
      channel: Channel.CHANNEL_EMAIL,
      version: 2,
      subject: v1.subject,
      body: 'New text for {{company_name}}. {{opt_out_instructions}}',
      tone: TemplateTone.TEMPLATE_TONE_FIRM,
      variables: ['invoice_number', 'company_name', 'opt_out_instructions'],
      active: true,
      latest: true,
    });
    expect(v2?.id).not.toBe(v1.id);
    expect(await get(v1.id)).toEqual({ ...v1, active: false, latest: false });
    expect(await auditEvents(v2?.id as string)).toEqual([
      expect.objectContaining({
        action: 'updated',
        details: expect.objectContaining({
          previous: { id: v1.id, version: 1, active: true },
          before: { body: v1.body, tone: 'friendly', variables: v1.variables },
          after: { body: v2?.body, tone: 'firm', variables: v2?.variables },
        }),
      }),
    ]);
  });

  it('refuses to edit a version that is not the latest (FAILED_PRECONDITION), and stores nothing', async () => {
    const v1 = await create();
    await update({ id: v1.id, body: 'Second. unsubscribe' });
    const before = await state();
    const error = await rejectionOf(update({ id: v1.id, body: 'Third. unsubscribe' }));
    expect({ code: status[error.code], details: error.details }).toEqual({
      code: 'FAILED_PRECONDITION',
      details: `template ${v1.name} (en) version 1 is not the latest (2): someone edited it since; read the latest version and edit that`,
    });
    expect(await state()).toEqual(before);
  });

  it('of two concurrent edits of the latest version, one makes version 2 and the other is refused', async () => {
    const v1 = await create();
    const results = await Promise.allSettled([
      update({ id: v1.id, body: 'Edit A. unsubscribe' }),
      update({ id: v1.id, body: 'Edit B. unsubscribe' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [status[(r.reason as { code: number }).code]] : []));
    expect(won).toHaveLength(1);
    expect(['FAILED_PRECONDITION', 'ABORTED']).toContain(lost[0]);
    expect(await h.db.query('SELECT version FROM templates WHERE name = $1 ORDER BY version', [v1.name])).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('deactivates with "active" in the mask (a new, inactive version) and reactivates the same way', async () => {
    const v1 = await create();
    const { template: v2 } = await update({ id: v1.id, active: false }, ['active']);
    expect(v2).toMatchObject({ version: 2, active: false, latest: true, body: v1.body });
    const listed = async (fields: Partial<campaignsV1.ListTemplatesRequest>) =>
      (await call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ name: v1.name, ...fields }))).templates.map((t) => [t.version, t.active]);
    expect(await listed({})).toEqual([]);
    expect(await listed({ includeInactive: true })).toEqual([[2, false]]);
    const { template: v3 } = await update({ id: v2?.id, active: true }, ['active']);
    expect(v3).toMatchObject({ version: 3, active: true });
    expect(await listed({})).toEqual([[3, true]]);
    expect(await listed({ allVersions: true, includeInactive: true })).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it('a retry with the same request_id returns the version the first call made', async () => {
    const v1 = await create();
    const requestId = randomUUID();
    const first = await update({ id: v1.id, body: 'Once. unsubscribe' }, undefined, requestId);
    expect((await update({ id: v1.id, body: 'Once. unsubscribe' }, undefined, requestId)).template).toEqual({ ...first.template, createTime: first.template?.createTime });
    expect(await h.db.query('SELECT count(*)::int AS n FROM templates WHERE name = $1', [v1.name])).toEqual([{ n: 2 }]);
  });

  it('answers the version as it is when nothing would change', async () => {
    const v1 = await create();
    expect((await update({ id: v1.id, body: v1.body, subject: v1.subject })).template).toEqual(v1);
    expect(await h.db.query('SELECT count(*)::int AS n FROM templates WHERE name = $1', [v1.name])).toEqual([{ n: 1 }]);
  });

  it('refuses bad edits naming the field, and stores nothing', async () => {
    const v1 = await create();
    const sms = await create({ channel: Channel.CHANNEL_SMS, subject: '', body: 'Pay now. Reply STOP to opt out.' });
    const before = await state();
    const noOptOut = await expectInvalid(update({ id: v1.id, body: 'Pay {{amount_due}} now.' }), ['template.body']);
    expect(noOptOut.details).toMatch(/Regulation F, 12 CFR 1006\.6\(e\)/);
    await expectInvalid(update({ id: sms.id, body: 'Pay now.' }), ['template.body']);
    await expectInvalid(update({ id: sms.id, subject: 'Hello' }), ['template.subject']);
    await expectInvalid(update({ id: v1.id, body: 'Hi {{deadline_date}}. unsubscribe' }), ['template.body']);
    await expectInvalid(update({ id: v1.id, subject: '' }, ['subject']), ['template.subject']);
    await expectInvalid(update({ id: v1.id, name: 'renamed', language: 'de', body: 'x unsubscribe' }), ['template.name', 'template.language']);
    await expectInvalid(update({ id: v1.id, channel: Channel.CHANNEL_SMS, body: 'x unsubscribe' }), ['template.channel']);
    const mask = await expectInvalid(update({ id: v1.id, body: 'x unsubscribe' }, ['name']), ['update_mask']);
    expect(mask.details).toContain('updatable: subject, body, tone, active');
    await expectInvalid(update({ id: 'nope', body: 'x' }), ['template.id']);
    await expectInvalid(update({ id: v1.id }), ['update_mask']);
    expect(await state()).toEqual(before);
    const unknown = randomUUID();
    expect(status[(await rejectionOf(update({ id: unknown, body: 'x unsubscribe' }))).code]).toBe('NOT_FOUND');
  });
});

describe('ListTemplates', () => {
  it('pages through the latest version of each template by name, language and version, with the filters bound to the token', async () => {
    const prefix = `list_${randomUUID().slice(0, 6)}`;
    const a = await create({ name: `${prefix}_a` });
    await update({ id: a.id, body: 'A2. unsubscribe' });
    await create({ name: `${prefix}_b`, language: 'de', body: 'B. {{opt_out_instructions}}' });
    await create({ name: `${prefix}_b`, tone: TemplateTone.TEMPLATE_TONE_LEGAL });
    await create({ name: `${prefix}_c`, channel: Channel.CHANNEL_SMS, subject: '', body: 'C. Reply STOP to opt out.' });
    const mine = (templates: campaignsV1.Template[]) => templates.filter((t) => t.name.startsWith(prefix)).map((t) => `${t.name.slice(prefix.length + 1)}/${t.language}/${t.version}`);

    const all = await call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ pageSize: 1000 }));
    expect(mine(all.templates)).toEqual(['a/en/2', 'b/de/1', 'b/en/1', 'c/en/1']);

    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ pageSize: 1, pageToken, channel: Channel.CHANNEL_EMAIL }));
      expect(page.templates.length).toBeLessThanOrEqual(1);
      seen.push(...mine(page.templates));
      pageToken = page.nextPageToken;
      if (pageToken) {
        await expectInvalid(call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ pageSize: 1, pageToken })), ['page_token']);
      }
    } while (pageToken);
    expect(seen).toEqual(['a/en/2', 'b/de/1', 'b/en/1']);

    const filtered = async (fields: Partial<campaignsV1.ListTemplatesRequest>) =>
      mine((await call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ pageSize: 1000, ...fields }))).templates);
    expect(await filtered({ name: `${prefix}_b` })).toEqual(['b/de/1', 'b/en/1']);
    expect(await filtered({ language: 'de' })).toEqual(['b/de/1']);
    expect(await filtered({ tone: TemplateTone.TEMPLATE_TONE_LEGAL })).toEqual(['b/en/1']);
    expect(await filtered({ channel: Channel.CHANNEL_SMS })).toEqual(['c/en/1']);
    expect(await filtered({ name: `${prefix}_a`, allVersions: true, includeInactive: true })).toEqual(['a/en/1', 'a/en/2']);
  });

  it('refuses bad filters naming them', async () => {
    await expectInvalid(
      call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ pageSize: -1 })),
      ['page_size'],
    );
    await expectInvalid(
      call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ channel: 9 as campaignsV1.Channel, tone: 9 as campaignsV1.TemplateTone, name: 'A B', language: 'xx_YY' })),
      ['channel', 'tone', 'name', 'language'],
    );
    await expectInvalid(call(h.templates, 'listTemplates', campaignsV1.ListTemplatesRequest.fromPartial({ pageToken: 'garbage' })), ['page_token']);
  });
});

describe('RenderTemplate', () => {
  const render = (templateId: string, customerId: string, invoiceId = '') => call(h.templates, 'renderTemplate', { templateId, customerId, invoiceId });

  it('renders an e-mail for a US customer and an invoice: what is still owed, dates, the link, plain text and escaped HTML', async () => {
    const customerId = await newCustomer({ countryCode: 'US', timeZone: 'America/New_York', companyName: `<b>Evil & Co</b> ${randomUUID().slice(0, 4)}` });
    const invoice = await newInvoice(customerId, '4210.00', 'USD', 12);
    await call(h.invoices, 'recordPayment', { invoiceId: invoice.id, amount: { amount: '1000.55', currencyCode: 'USD' }, paidDate: '', reference: 'wire', requestId: randomUUID() });
    const template = await create();
    const { content } = await render(template.id, customerId, invoice.id);
    const company = (await call(h.customers, 'getCustomer', { customerId })).customer?.companyName as string;
    const days = daysOverdue(invoice.dueDate, new Date(), 'America/New_York');
    const due = longDate(invoice.dueDate, 'en-US');
    const link = `https://pay.test/i/${invoice.invoiceNumber}`;
    expect(content).toEqual({
      channel: Channel.CHANNEL_EMAIL,
      subject: `Invoice ${invoice.invoiceNumber} is overdue`,
      body:
        `Hi Dana Whitfield,\n\nInvoice ${invoice.invoiceNumber} of ${company} for $3,209.45 was due on ${due} (${days} days ago).\n` +
        `Pay at ${link}.\n\nNorthwind Receivables\nTo stop receiving these e-mails, reply with the word UNSUBSCRIBE.`,
      htmlBody:
        `<p>Hi Dana Whitfield,</p>\n<p>Invoice ${invoice.invoiceNumber} of ${company.replace('<b>Evil & Co</b>', '&lt;b&gt;Evil &amp; Co&lt;/b&gt;')} for $3,209.45 was due on ${due} (${days} days ago).<br>\n` +
        `Pay at ${link}.</p>\n<p>Northwind Receivables<br>\nTo stop receiving these e-mails, reply with the word UNSUBSCRIBE.</p>`,
      smsEncoding: SmsEncoding.SMS_ENCODING_UNSPECIFIED,
      smsSegments: 0,
      templateId: template.id,
      templateVersion: 1,
    });
    expect(days).toBeGreaterThanOrEqual(11);
  });

  it('renders for a German customer in German conventions, and an SMS with its encoding and segments', async () => {
    const customerId = await newCustomer({ countryCode: 'DE', timeZone: 'Europe/Berlin', contactName: 'Katrin Vogel' });
    const invoice = await newInvoice(customerId, '14000.00', 'EUR', 3);
    const de = await create({ language: 'de', subject: 'Rechnung {{invoice_number}}', body: '{{amount_due}}, fällig am {{due_date}}. {{opt_out_instructions}}' });
    const rendered = (await render(de.id, customerId, invoice.id)).content;
    expect(rendered?.body).toBe(`14.000,00\u00a0€, fällig am ${longDate(invoice.dueDate, 'de-DE')}. Wenn Sie keine weiteren E-Mails erhalten möchten, antworten Sie mit dem Wort UNSUBSCRIBE.`);

    const gsm = await create({ channel: Channel.CHANNEL_SMS, subject: '', body: '{{contact_name}}: {{amount_due}} is due. {{opt_out_instructions}}' });
    expect((await render(gsm.id, customerId, invoice.id)).content).toMatchObject({
      channel: Channel.CHANNEL_SMS,
      body: 'Katrin Vogel: €14,000.00 is due. Reply STOP to opt out.',
      subject: '',
      htmlBody: '',
      smsEncoding: SmsEncoding.SMS_ENCODING_GSM_7,
      smsSegments: 1,
    });
    const ucs = await create({ channel: Channel.CHANNEL_SMS, subject: '', body: `Zahlung für {{company_name}} – ${'ą'.repeat(120)}. Reply STOP to opt out.` });
    expect((await render(ucs.id, customerId)).content).toMatchObject({ smsEncoding: SmsEncoding.SMS_ENCODING_UCS_2, smsSegments: 3 });
  });

  it('renders a version after it was edited as it was (campaigns keep their version)', async () => {
    const customerId = await newCustomer({ countryCode: 'GB', timeZone: 'Europe/London' });
    const v1 = await create({ body: 'Version one for {{contact_name}}. unsubscribe', subject: 'One' });
    const { template: v2 } = await update({ id: v1.id, body: 'Version two. unsubscribe', active: false }, ['body', 'active']);
    expect((await render(v1.id, customerId)).content).toMatchObject({ body: 'Version one for Dana Whitfield. unsubscribe', templateVersion: 1 });
    expect((await render(v2?.id as string, customerId)).content).toMatchObject({ body: 'Version two. unsubscribe', templateVersion: 2 });
  });

  it('refuses what it cannot render: an invoice needed but not given, an invoice of another customer, a customer without contact name', async () => {
    const customerId = await newCustomer({ countryCode: 'US', timeZone: 'America/Chicago' });
    const other = await newCustomer({ countryCode: 'US', timeZone: 'America/Chicago' });
    const othersInvoice = await newInvoice(other, '10.00', 'USD', 1);
    const template = await create();
    const needsInvoice = await expectInvalid(render(template.id, customerId), ['invoice_id']);
    expect(needsInvoice.details).toMatch(/^invoice_id: is required: template reminder_\w+ uses \{\{invoice_number\}\}, \{\{amount_due\}\}, \{\{due_date\}\}, \{\{days_overdue\}\}, \{\{payment_link\}\}, which need an invoice of the customer$/);
    const notTheirs = await expectInvalid(render(template.id, customerId, othersInvoice.id), ['invoice_id']);
    expect(notTheirs.details).toBe(`invoice_id: invoice ${othersInvoice.id} is not an invoice of customer ${customerId}`);
    const nameless = await newCustomer({ countryCode: 'US', timeZone: 'America/Chicago', contactName: '' });
    const greeting = await create({ channel: Channel.CHANNEL_PHONE, subject: '', body: 'Hello {{contact_name}}.' });
    await expectInvalid(render(greeting.id, nameless), ['customer_id']);
    await expectInvalid(render('x', 'y', 'z'), ['template_id', 'customer_id', 'invoice_id']);
  });

  it('answers NOT_FOUND for an unknown template, customer or invoice', async () => {
    const customerId = await newCustomer({ countryCode: 'US', timeZone: 'America/Chicago' });
    const template = await create();
    const missing = randomUUID();
    const codeOf = async (work: Promise<unknown>) => status[(await rejectionOf(work)).code];
    expect(await codeOf(render(missing, customerId))).toBe('NOT_FOUND');
    expect(await codeOf(render(template.id, missing, missing))).toBe('NOT_FOUND');
    expect(await codeOf(render(template.id, customerId, missing))).toBe('NOT_FOUND');
  });
});

describe('ListTemplateVariables', () => {
  it('lists every variable with a description, an en-US example and whether it needs an invoice', async () => {
    const { variables } = await call(h.templates, 'listTemplateVariables', {});
    expect(variables.map((v) => [v.name, v.needsInvoice])).toEqual([
      ['company_name', false],
      ['contact_name', false],
      ['sender_company', false],
      ['opt_out_instructions', false],
      ['amount_due', true],
      ['currency', true],
      ['invoice_number', true],
      ['due_date', true],
      ['days_overdue', true],
      ['payment_reference', true],
      ['payment_link', true],
    ]);
    for (const v of variables) expect(v.description.length * v.example.length).toBeGreaterThan(0);
    expect(variables.find((v) => v.name === 'amount_due')?.example).toBe('$4,210.00');
  });
});
