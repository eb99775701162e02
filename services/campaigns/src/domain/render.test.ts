import { FailedPreconditionError, InvalidArgumentError } from '@cec/errors';
import { formatMoney, outstandingAmount } from './money-format';
import { renderTemplate, type RenderableTemplate, type RenderFacts } from './render';
import { daysOverdue, formatDate, localToday, renderLocale } from './render-locale';
import { smsShape } from './sms';

let serial = 0;
const template = (overrides: Partial<RenderableTemplate> = {}): RenderableTemplate => ({
  id: `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`,
  version: 1,
  name: 'test_template',
  channel: 'email',
  language: 'en',
  subject: 'Invoice {{invoice_number}}',
  body: 'Hi {{contact_name}},\n\n{{company_name}} owes {{amount_due}} ({{currency}}), due {{due_date}}, {{days_overdue}} days overdue.\nPay: {{payment_link}} quoting {{payment_reference}}.\n\n{{sender_company}}\n{{opt_out_instructions}}',
  ...overrides,
});

const facts = (overrides: { customer?: Partial<RenderFacts['customer']>; invoice?: Partial<NonNullable<RenderFacts['invoice']>> | null; now?: Date } = {}): RenderFacts => ({
  customer: { companyName: 'Acme Logistics Inc.', contactName: 'Dana Whitfield', countryCode: 'US', timeZone: 'America/New_York', ...overrides.customer },
  invoice:
    overrides.invoice === null
      ? undefined
      : { invoiceNumber: 'INV-2026-0004', dueDate: '2026-03-05', amount: { amount: '4210.00', currencyCode: 'USD' }, ...overrides.invoice },
  now: overrides.now ?? new Date('2026-03-17T15:00:00Z'),
});

const settings = { senderCompany: 'Client Escalation Calls', paymentLinkBase: 'https://pay.example.com/invoices/' };

describe('renderLocale', () => {
  it.each([
    ['en', 'US', 'en-US'],
    ['de', 'DE', 'de-DE'],
    ['de', 'AT', 'de-AT'],
    ['en', 'DE', 'en-DE'],
    ['en-GB', 'US', 'en-GB'],
    ['ja', 'JP', 'ja-JP'],
    ['en', '', 'en'],
    ['en', 'usa', 'en'],
  ])('%s + %j -> %s', (language, country, locale) => {
    expect(renderLocale(language, country)).toBe(locale);
  });
});

describe('money and dates for the locale', () => {
  it.each([
    ['en-US', '4210.00', 'USD', '$4,210.00', 'March 5, 2026'],
    ['de-DE', '4210.00', 'EUR', '4.210,00\u00a0€', '5. März 2026'],
    ['en-GB', '4210.5', 'GBP', '£4,210.50', '5 March 2026'],
    ['ja-JP', '4210', 'JPY', '￥4,210', '2026年3月5日'],
    ['en-US', '123456789012345.67', 'USD', '$123,456,789,012,345.67', 'March 5, 2026'],
  ])('%s: %s %s -> %s, due %s', (locale, amount, currency, money, date) => {
    expect(formatMoney(amount, currency, locale)).toBe(money);
    expect(formatDate('2026-03-05', locale)).toBe(date);
  });

  it.each([
    ['4210.00', undefined, '4210'],
    ['4210.00', '1000.55', '3209.45'],
    ['0.3', '0.1', '0.2'],
    ['100', '100.00', '0'],
    ['100', '150', '0'],
  ])('outstanding %s - %s = %s (exact decimals)', (amount, paid, rest) => {
    expect(outstandingAmount(amount, paid)).toBe(rest);
  });
});

describe('days overdue, counted in the customer zone', () => {
  it.each([
    // 2026-03-06 02:30 UTC is still 2026-03-05 in New York: not overdue yet there, one day in Berlin.
    ['2026-03-05', '2026-03-06T02:30:00Z', 'America/New_York', '2026-03-05', 0],
    ['2026-03-05', '2026-03-06T02:30:00Z', 'Europe/Berlin', '2026-03-06', 1],
    ['2026-03-05', '2026-03-17T15:00:00Z', 'America/New_York', '2026-03-17', 12],
    ['2026-03-20', '2026-03-17T15:00:00Z', 'Australia/Sydney', '2026-03-18', 0],
    ['2025-12-31', '2026-03-01T12:00:00Z', '', '2026-03-01', 60],
    ['2025-12-31', '2026-03-01T12:00:00Z', 'Not/AZone', '2026-03-01', 60],
  ])('due %s, now %s in %j: today %s, %i days', (due, now, zone, today, days) => {
    expect(localToday(new Date(now), zone)).toBe(today);
    expect(daysOverdue(due, new Date(now), zone)).toBe(days);
  });
});

describe('smsShape', () => {
  it.each([
    ['160 GSM-7 characters', 'a'.repeat(160), 'GSM-7', 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 'GSM-7', 2],
    ['306 GSM-7 characters (2 x 153)', 'a'.repeat(306), 'GSM-7', 2],
    ['307 GSM-7 characters', 'a'.repeat(307), 'GSM-7', 3],
    ['80 euro signs (escape + code: 2 septets each)', '€'.repeat(80), 'GSM-7', 1],
    ['81 euro signs', '€'.repeat(81), 'GSM-7', 2],
    ['70 UCS-2 characters', 'ą'.repeat(70), 'UCS-2', 1],
    ['71 UCS-2 characters', 'ą'.repeat(71), 'UCS-2', 2],
    ['one non-GSM character in 100', `${'a'.repeat(99)}ą`, 'UCS-2', 2],
    ['134 UCS-2 characters (2 x 67)', 'ą'.repeat(134), 'UCS-2', 2],
  ])('%s', (_case, body, encoding, segments) => {
    expect(smsShape(body)).toEqual({ encoding, segments });
  });
});

describe('renderTemplate', () => {
  it('renders every variable for an en-US customer, subject and text unescaped', () => {
    const t = template();
    const rendered = renderTemplate(t, facts({ customer: { companyName: 'Smith & Sons' } }), settings);
    expect(rendered).toEqual({
      channel: 'email',
      subject: 'Invoice INV-2026-0004',
      body:
        'Hi Dana Whitfield,\n\nSmith & Sons owes $4,210.00 (USD), due March 5, 2026, 12 days overdue.\n' +
        'Pay: https://pay.example.com/invoices/INV-2026-0004 quoting INV-2026-0004.\n\nClient Escalation Calls\n' +
        'To stop receiving these e-mails, reply with the word UNSUBSCRIBE.',
      htmlBody:
        '<p>Hi Dana Whitfield,</p>\n<p>Smith &amp; Sons owes $4,210.00 (USD), due March 5, 2026, 12 days overdue.<br>\n' +
        'Pay: https://pay.example.com/invoices/INV-2026-0004 quoting INV-2026-0004.</p>\n<p>Client Escalation Calls<br>\n' +
        'To stop receiving these e-mails, reply with the word UNSUBSCRIBE.</p>',
      sms: null,
      templateId: t.id,
      templateVersion: 1,
      locale: 'en-US',
    });
  });

  it('escapes a hostile company name in the HTML body only', () => {
    const rendered = renderTemplate(template({ body: 'From {{company_name}}. unsubscribe' }), facts({ customer: { companyName: '<b>Evil & Co</b>' } }), settings);
    expect(rendered.body).toBe('From <b>Evil & Co</b>. unsubscribe');
    expect(rendered.htmlBody).toBe('<p>From &lt;b&gt;Evil &amp; Co&lt;/b&gt;. unsubscribe</p>');
  });

  it('renders for a German customer in German, the balance after payments', () => {
    const rendered = renderTemplate(
      template({ language: 'de', body: '{{amount_due}} seit {{due_date}}. {{opt_out_instructions}}' }),
      facts({
        customer: { countryCode: 'DE', timeZone: 'Europe/Berlin' },
        invoice: { amount: { amount: '14000.00', currencyCode: 'EUR' }, amountPaid: { amount: '3789.50', currencyCode: 'EUR' } },
      }),
      settings,
    );
    expect(rendered.locale).toBe('de-DE');
    expect(rendered.body).toBe('10.210,50\u00a0€ seit 5. März 2026. Wenn Sie keine weiteren E-Mails erhalten möchten, antworten Sie mit dem Wort UNSUBSCRIBE.');
  });

  it('renders yen for a Japanese customer', () => {
    const rendered = renderTemplate(
      template({ language: 'ja', channel: 'phone', subject: null, body: '{{amount_due}} {{due_date}}' }),
      facts({ customer: { countryCode: 'JP', timeZone: 'Asia/Tokyo' }, invoice: { amount: { amount: '421000', currencyCode: 'JPY' } } }),
      settings,
    );
    expect(rendered).toMatchObject({ body: '￥421,000 2026年3月5日', subject: null, htmlBody: null, sms: null });
  });

  it('reports the SMS encoding and segments of the rendered text', () => {
    const sms = template({ channel: 'sms', subject: null, body: '{{company_name}}: pay {{amount_due}}. {{opt_out_instructions}}' });
    expect(renderTemplate(sms, facts(), settings)).toMatchObject({
      body: 'Acme Logistics Inc.: pay $4,210.00. Reply STOP to opt out.',
      subject: null,
      htmlBody: null,
      sms: { encoding: 'GSM-7', segments: 1 },
    });
    expect(renderTemplate(sms, facts({ customer: { companyName: 'Łódź Logistyka'.padEnd(100, '.') } }), settings).sms).toEqual({ encoding: 'UCS-2', segments: 3 });
  });

  it('renders a letter with its subject and no HTML', () => {
    const letter = template({ channel: 'letter', subject: 'Final notice: {{company_name}}', body: 'Dear {{contact_name}}' });
    expect(renderTemplate(letter, facts({ customer: { companyName: 'A\nB' } }), settings)).toMatchObject({ subject: 'Final notice: A B', body: 'Dear Dana Whitfield', htmlBody: null });
  });

  it('needs an invoice only for invoice variables, and names them under invoice_id', () => {
    const noInvoice = template({ subject: 'Hello {{company_name}}', body: 'Hi {{contact_name}}. unsubscribe' });
    expect(renderTemplate(noInvoice, facts({ invoice: null }), settings).body).toBe('Hi Dana Whitfield. unsubscribe');
    const error = catchError(() => renderTemplate(template(), facts({ invoice: null }), settings)) as InvalidArgumentError;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.violations).toEqual([
      {
        field: 'invoice_id',
        description:
          'is required: template test_template uses {{invoice_number}}, {{amount_due}}, {{currency}}, {{due_date}}, {{days_overdue}}, {{payment_link}}, {{payment_reference}}, which need an invoice of the customer',
      },
    ]);
  });

  it('refuses a missing contact name instead of rendering it empty (strict)', () => {
    const error = catchError(() => renderTemplate(template(), facts({ customer: { contactName: ' ' } }), settings)) as InvalidArgumentError;
    expect(error.violations).toEqual([{ field: 'customer_id', description: expect.stringContaining('the customer has no contact name, and template test_template uses {{contact_name}}') }]);
  });

  it('does not render a stored version that breaks the rules (e.g. written by hand)', () => {
    const error = catchError(() => renderTemplate(template({ body: '{{#if contact_name}}x{{/if}} {{deadline_date}}' }), facts(), settings));
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect((error as Error).message).toMatch(/cannot be rendered: the block \{\{#if\}\}.*unknown variable \{\{deadline_date\}\}/);
  });

  it('compiles a version once, and again when the same id comes with other text', () => {
    const t = template({ body: 'A {{company_name}} unsubscribe' });
    expect(renderTemplate(t, facts(), settings).body).toBe('A Acme Logistics Inc. unsubscribe');
    expect(renderTemplate({ ...t, body: 'B {{company_name}} unsubscribe' }, facts(), settings).body).toBe('B Acme Logistics Inc. unsubscribe');
  });
});

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
