/**
 * The demo's story (`npm run demo`) end to end: the four services as processes of their own, as
 * `npm start` runs them (authentication on: a certificate per service from one CA, bearer tokens
 * for the operator and the agent, the repository's access policy), over a fresh database with
 * the demo data. The scenario function of apps/demo drives it through gRPC; the test checks the
 * facts it told against what it computes itself, and reads some of them again through server
 * reflection with `buf curl`, as an engineer would from a shell.
 */
import { Temporal } from 'temporal-polyfill';
import { seed } from '@cec/db';
import { DEMO_OPERATOR, runDemo, type DemoFacts } from '@cec/demo';
import { bufCurl, bufListServices, createTestIdentity, startServiceProcess, useTestDatabase, type ServiceProcess, type TestIdentity } from '@cec/testing';

const db = useTestDatabase();
let identity: TestIdentity;
const processes: ServiceProcess[] = [];
let customers: ServiceProcess;
let compliance: ServiceProcess;
let campaigns: ServiceProcess;
let operatorToken: string;
const told: string[] = [];
let facts: DemoFacts;
let startedAt: Date;

beforeAll(async () => {
  identity = await createTestIdentity();
  await seed(db.url);
  const start = async (name: string, env: Record<string, string>) => {
    const started = await startServiceProcess(name, db.url, { ...identity.serviceEnv(name), ...env });
    processes.push(started);
    return started;
  };
  const metrics = await start('metrics', {});
  customers = await start('customers', { METRICS_ADDRESS: metrics.address });
  compliance = await start('compliance', { METRICS_ADDRESS: metrics.address, CUSTOMERS_ADDRESS: customers.address });
  campaigns = await start('campaigns', { METRICS_ADDRESS: metrics.address, CUSTOMERS_ADDRESS: customers.address, COMPLIANCE_ADDRESS: compliance.address });
  operatorToken = await identity.token({ subject: DEMO_OPERATOR.subject, roles: DEMO_OPERATOR.roles });
}, 180_000);

afterAll(async () => {
  for (const p of processes.reverse()) await p.stop();
  identity?.remove();
});

/** Through reflection, over TLS with the test CA and the operator's token. */
const curl = <T>(address: string, method: string, body: unknown) =>
  bufCurl<T>(address, method, body, { tls: { caFile: identity.caFile }, headers: { authorization: `Bearer ${operatorToken}` } });

it('tells the story of one overdue customer, from the first reminder to paid in full', async () => {
  startedAt = new Date();
  facts = await runDemo({
    addresses: { customers: customers.address, campaigns: campaigns.address, compliance: compliance.address },
    identity: {
      caPem: Buffer.from(identity.ca.certPem),
      operatorToken,
      agent: { mint: (agentId) => identity.token({ subject: agentId, roles: ['agent'] }) },
    },
    say: (line) => told.push(line),
  });

  // Contacts: the e-mail allowed, claimed and sent by the demo's own agent.
  expect(facts.email).toEqual({ taskId: expect.any(String), decisionResult: 'ALLOW', sentByDemoAgent: true, status: 'COMPLETED' });
  // The text message after the opt-out: refused, with compliance's reason (and the night's).
  expect(facts.refusal).toMatchObject({ outcome: 'REFUSED', decisionResult: 'DENY' });
  expect(facts.refusal.reasonCodes).toContain('OPTED_OUT');
  expect(facts.refusal.reason).toContain('opted out of contact by sms');
  // The partial payment: the final notice asks for what is left.
  expect(facts.partial).toMatchObject({ invoiceStatus: 'partial', balance: '700.00 USD' });
  // The amount as the customer's locale writes US dollars (the English template in the night
  // place's country): "$700.00" in en-US, "USD 700.00" in en-AU, "US$700.00" in en-NZ.
  const owed = new Intl.NumberFormat(`en-${facts.countryCode}`, { style: 'currency', currency: 'USD' }).format(700);
  expect(facts.partial.letterBody).toContain(`${owed} remains unpaid`);

  // The call deferred to 08:00 on the customer's clock: the next 08:00 there, computed here.
  const local = Temporal.Instant.fromEpochMilliseconds(startedAt.getTime()).toZonedDateTimeISO(facts.timeZone);
  expect(local.hour).toBeLessThan(8); // the demo picked a place where it is night
  const eight = local.toPlainDate().toZonedDateTime({ timeZone: facts.timeZone, plainTime: Temporal.PlainTime.from('08:00') });
  expect(facts.deferral).toMatchObject({ outcome: 'DEFERRED', localTime: '08:00', notBefore: new Date(eight.epochMilliseconds) });
  expect(facts.deferral.reasonCodes).toEqual(['OUTSIDE_CONTACT_WINDOW']);

  // Paid in full: completed, the letter nobody sent cancelled.
  expect(facts.completion).toEqual({
    invoiceStatus: 'paid',
    status: 'COMPLETED',
    outcome: 'paid in full',
    tasks: [
      { stepIndex: 0, status: 'completed' },
      { stepIndex: 2, status: 'cancelled' },
    ],
  });
  // The trail, in order, and the chain intact.
  expect(facts.audit.actions).toEqual(['created', 'started', 'step_task_created', 'step_refused', 'step_task_created', 'step_deferred', 'completed']);
  expect(facts.audit.chainOk).toBe(true);

  // What was told says so, in words.
  const story = told.join('\n');
  expect(story).toContain(`${facts.companyName} (contact Alex Morgan`);
  expect(story).toMatch(/The call waits until 08:00 \w+ \d+ \w+, .+ time/);
  expect(story).toContain('reasons OPTED_OUT');
  expect(story).toContain('"paid in full"');
  expect(story).toContain('VerifyAuditChain: ok.');
}, 240_000);

it('shows the same facts through server reflection with buf curl', async () => {
  const listed = await bufListServices(campaigns.address, { tls: { caFile: identity.caFile } });
  expect(listed.services).toContain('escalation.campaigns.v1.EscalationService');

  const got = await curl<{ campaign: { status: string; outcome: string; invoiceIds: string[] } }>(campaigns.address, 'escalation.campaigns.v1.CampaignService/GetCampaign', {
    campaign_id: facts.campaignId,
  });
  expect(got.stderr).toBe('');
  expect(got.json?.campaign).toMatchObject({ status: 'CAMPAIGN_STATUS_COMPLETED', outcome: 'paid in full', invoiceIds: [facts.invoiceId] });

  const runs = await curl<{ runs: { stepIndex: number; outcome: string; notBeforeTime?: string }[] }>(campaigns.address, 'escalation.campaigns.v1.EscalationService/ListStepRuns', {
    campaign_id: facts.campaignId,
  });
  expect(runs.json?.runs.map((r) => [r.stepIndex ?? 0, r.outcome])).toEqual([
    [0, 'STEP_OUTCOME_TASK_CREATED'],
    [1, 'STEP_OUTCOME_REFUSED'],
    [2, 'STEP_OUTCOME_TASK_CREATED'],
    [3, 'STEP_OUTCOME_DEFERRED'],
  ]);
  expect(new Date(runs.json?.runs[3].notBeforeTime as string)).toEqual(facts.deferral.notBefore);

  const verified = await curl<{ ok?: boolean; headSeq: string }>(compliance.address, 'escalation.compliance.v1.AuditService/VerifyAuditChain', {});
  expect(verified.stderr).toBe('');
  expect(verified.json?.ok).toBe(true);
  expect(BigInt(verified.json?.headSeq as string)).toBeGreaterThanOrEqual(BigInt(facts.audit.headSeq));
}, 60_000);
