import { randomBytes, randomUUID } from 'node:crypto';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';
import { agentClients, closeAll, operatorClients, tokenCredentials, type DemoAddresses } from './clients';
import { placeAtNight } from './night-zone';
import { demoTemplates } from './templates';
import { unary } from './unary';
import { duration, enumWord, localClock, money } from './words';

const { TaskType, TaskStatus, StepAnchor, StepOutcome, Priority, CampaignStatus, ContactStatus, AgentType } = campaignsV1;

/** Who the demo acts as: an operator (collections and compliance roles) and an e-mail agent. */
export interface DemoIdentity {
  /** The deployment's CA certificate (PEM): the services' certificates are checked against it. */
  caPem: Buffer;
  /** A token with the roles collections-operator and compliance-officer. */
  operatorToken: string;
  /**
   * The e-mail agent that sends the first reminder: either the demo registers one and gets its
   * token from `mint` (the subject of an agent's token is its id), or an agent already registered.
   */
  agent: { mint(agentId: string): Promise<string> } | { agentId: string; token: string };
}

export interface DemoOptions {
  addresses: DemoAddresses;
  identity: DemoIdentity;
  /** Where the story is told, a line at a time (default: nowhere). */
  say?: (line: string) => void;
  /** How long to wait for the system at each step (default 60 s). */
  stepTimeoutMs?: number;
}

/** What happened, for whoever ran the demo (the end-to-end test checks these). */
export interface DemoFacts {
  customerId: string;
  companyName: string;
  timeZone: string;
  countryCode: string;
  invoiceId: string;
  invoiceNumber: string;
  campaignId: string;
  agentId: string;
  /** The first reminder: its task, and who sent it (the demo's agent, or another that took it first). */
  email: { taskId: string; decisionResult: string; sentByDemoAgent: boolean; status: string };
  /** The text message after the opt-out: the step's outcome and compliance's reason codes. */
  refusal: { outcome: string; decisionResult: string; reasonCodes: string[]; reason: string };
  /** The partial payment and the final notice written on what is left. */
  partial: { invoiceStatus: string; balance: string; letterTaskId: string; letterBody: string };
  /** The call deferred by quiet hours: when, in UTC and on the customer's clock. */
  deferral: { outcome: string; notBefore: Date; localTime: string; reasonCodes: string[] };
  /** The rest paid: the campaign's end, and each task's final status by step. */
  completion: { invoiceStatus: string; status: string; outcome: string; tasks: { stepIndex: number; status: string }[] };
  /** The campaign's audit trail, oldest first, and the chain's verification. */
  audit: { actions: string[]; chainOk: boolean; headSeq: string };
}

const POLL_MS = 300;
const NUDGE_MS = 2_000;
/** Asking for the e-mail task this often, other agents (npm start's simulator asks every 2 s when idle) seldom take it first. */
const CLAIM_POLL_MS = 100;
const STEP_NAMES = ['Friendly reminder', 'Text message reminder', 'Final notice', 'Reminder call', 'Research and follow-up'];

/**
 * The story of one overdue customer, told in plain words while it is driven through the
 * services' gRPC APIs, as an operator, a compliance officer and an e-mail agent would:
 *  1. a new customer, somewhere it is night now, with an invoice 3 days overdue, and the hours
 *     it may be called or texted (08:00-21:00 its time);
 *  2. enrolment: a campaign of five steps that follow each other at once (a demo cannot wait
 *     days), made as a draft;
 *  3. before it starts, the customer asks for no text messages and pays part of the invoice;
 *  4. the campaign starts, and the escalation engine takes its steps: the e-mail (compliance
 *     allows it; the demo's agent claims and sends it), the text message (refused: opted out),
 *     the final notice letter (on what is left), the call (deferred to 08:00 local time);
 *  5. the rest is paid: the campaign completes "paid in full" and its waiting task is cancelled;
 *  6. the audit trail of the campaign, and the audit chain verified.
 * Nothing is written behind the services' backs; every fact told comes from their answers.
 */
export async function runDemo(options: DemoOptions): Promise<DemoFacts> {
  const say = options.say ?? (() => undefined);
  const timeoutMs = options.stepTimeoutMs ?? 60_000;
  const { addresses, identity } = options;
  const ops = operatorClients(addresses, tokenCredentials(identity.caPem, identity.operatorToken));
  let agentSide: ReturnType<typeof agentClients> | undefined;

  /** Polls `check` until it answers something; meanwhile asks the engine for a pass now and then (it runs one every few seconds anyway). */
  async function until<T>(what: string, check: () => Promise<T | undefined>, nudge = false, pollMs = POLL_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastNudge = 0;
    for (;;) {
      if (nudge && Date.now() - lastNudge >= NUDGE_MS) {
        lastNudge = Date.now();
        await unary(ops.escalation, 'runEscalation', { maxCampaigns: 0, skipEnrolment: true }, 30_000);
      }
      const found = await check();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  try {
    // 1. The customer and the invoice.
    const place = placeAtNight();
    const suffix = randomBytes(3).toString('hex').toUpperCase();
    const companyName = `Harbourline Trading ${place.city} ${suffix}`;
    const contactName = 'Alex Morgan';
    const email = `ap-${suffix.toLowerCase()}@harbourline.example`;
    const { customer } = await unary(ops.customers, 'createCustomer', {
      customer: customersV1.Customer.fromPartial({ companyName, contactName, email, phone: `+1555${String(parseInt(suffix, 16) % 10_000_000).padStart(7, '0')}` }),
      profile: customersV1.CustomerProfile.fromPartial({ timeZone: place.zone, countryCode: place.country }),
      requestId: randomUUID(),
    });
    const customerId = customer?.id as string;
    const localNow = localClock(new Date(), place.zone);
    say('1. A new customer with an overdue invoice');
    say(`   ${companyName} (contact ${contactName}, ${email}) is in ${place.city} (${place.zone}): it is ${localNow.time} there now, the middle of the night.`);

    const today = new Date();
    const day = (offset: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + offset)).toISOString().slice(0, 10);
    const invoiceNumber = `DEMO-${day(0).replaceAll('-', '')}-${suffix}`;
    const { invoice: created } = await unary(ops.invoices, 'createInvoice', {
      invoice: customersV1.Invoice.fromPartial({ customerId, invoiceNumber, amount: { currencyCode: 'USD', amount: '1200.00' }, issuedDate: day(-33), dueDate: day(-3) }),
      requestId: randomUUID(),
    });
    const invoiceId = created?.id as string;
    await unary(ops.invoices, 'sweepOverdueInvoices', {});
    const { invoice } = await unary(ops.invoices, 'getInvoice', { invoiceId });
    say(`   Invoice ${invoiceNumber} for ${money(invoice?.amount)} was due on ${invoice?.dueDate}; it is ${statusWord(invoice?.status)} now.`);

    const ruleCode = `demo_calling_hours_${suffix.toLowerCase()}`;
    const { rule } = await unary(ops.rules, 'createRule', {
      rule: complianceV1.ComplianceRule.fromPartial({
        code: ruleCode,
        name: `${companyName}: calls and texts only 08:00-21:00 local time`,
        description: 'Agreed with the customer: no calls or text messages at night, as Regulation F has it for US consumers.',
        channels: [complianceV1.Channel.CHANNEL_PHONE, complianceV1.Channel.CHANNEL_SMS],
        scope: { kind: complianceV1.ScopeKind.SCOPE_KIND_CUSTOMER, customerId, countryCode: '', regionCode: '' },
        parameters: { $case: 'contactWindow', value: { start: '08:00', end: '21:00', days: [] } },
      }),
      requestId: randomUUID(),
    });
    say(`   The compliance officer records the customer's calling hours: calls and texts only 08:00-21:00 its time (rule ${rule?.code}, version ${rule?.version}).`);

    // 2. Enrolment: a campaign made as a draft.
    say('2. Enrolment');
    const { ids: templates, created: templatesCreated } = await demoTemplates(ops.templates);
    if (templatesCreated.length) say(`   (templates this deployment lacked, made now: ${templatesCreated.join(', ')})`);
    // The first step on the due date (passed), each next one right after the step before.
    const step = (name: string, taskType: campaignsV1.TaskType, templateId: string, priority: campaignsV1.Priority, delayDays = 0, anchor = StepAnchor.STEP_ANCHOR_PREVIOUS_STEP) =>
      campaignsV1.EscalationStep.fromPartial({ name, taskType, templateId, priority, delayDays, anchor });
    const steps = [
      step(STEP_NAMES[0], TaskType.TASK_TYPE_SEND_EMAIL, templates.email, Priority.PRIORITY_URGENT, 0, StepAnchor.STEP_ANCHOR_DUE_DATE),
      step(STEP_NAMES[1], TaskType.TASK_TYPE_SEND_SMS, templates.sms, Priority.PRIORITY_MEDIUM),
      step(STEP_NAMES[2], TaskType.TASK_TYPE_SEND_LETTER, templates.letter, Priority.PRIORITY_HIGH),
      step(STEP_NAMES[3], TaskType.TASK_TYPE_MAKE_CALL, templates.call, Priority.PRIORITY_HIGH),
      step(STEP_NAMES[4], TaskType.TASK_TYPE_RESEARCH, '', Priority.PRIORITY_MEDIUM, 7),
    ];
    const { campaign: draft } = await unary(ops.campaigns, 'createCampaign', {
      campaign: campaignsV1.Campaign.fromPartial({ customerId, name: `${companyName} - ${invoiceNumber}`, invoiceIds: [invoiceId], steps }),
      preset: '',
      start: false,
      requestId: randomUUID(),
    });
    const campaignId = draft?.id as string;
    say(`   The engine enrols customers by itself once an invoice is a week overdue, on a schedule of weeks (standard-b2b).`);
    say(`   A demo cannot wait weeks: the operator enrols this invoice now, in a campaign whose steps follow each other at once:`);
    for (const [i, s] of (draft?.steps ?? []).entries()) {
      const when = s.anchor === StepAnchor.STEP_ANCHOR_DUE_DATE ? `on the due date${s.delayDays ? ` + ${s.delayDays} days` : ''}` : s.delayDays ? `${s.delayDays} days after the step before` : 'right after the step before';
      say(`     ${i}. ${s.name}: ${enumWord(TaskType, s.taskType, 'TASK_TYPE_').toLowerCase().replaceAll('_', ' ')}, ${when}`);
    }
    say(`   Campaign ${campaignId}: ${enumWord(CampaignStatus, draft?.status ?? 0, 'CAMPAIGN_STATUS_').toLowerCase()}.`);

    // 3. Before it starts: an opt-out and a partial payment.
    say('3. Before the campaign starts, the customer calls in');
    const { record: optOut } = await unary(ops.optOuts, 'recordOptOut', {
      customerId,
      channel: complianceV1.Channel.CHANNEL_SMS,
      allChannels: false,
      source: complianceV1.OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST,
      reason: 'asked on the phone: no text messages',
      effectiveTime: undefined,
      expireTime: undefined,
      requestId: randomUUID(),
    });
    say(`   "No text messages, please": an opt-out of SMS is recorded (${optOut?.id}).`);
    const { invoice: partlyPaid } = await unary(ops.invoices, 'recordPayment', {
      invoiceId,
      amount: { currencyCode: 'USD', amount: '500.00' },
      paidDate: '',
      reference: 'bank transfer, part payment',
      requestId: randomUUID(),
    });
    say(`   And it pays ${money({ currencyCode: 'USD', amount: '500.00' })} on account: the invoice is ${statusWord(partlyPaid?.status)}, ${money(partlyPaid?.balance)} still owed.`);

    // 4. The campaign starts; the engine takes its steps.
    say('4. The campaign starts; the escalation engine takes one step after another');
    let agentId: string;
    let agentToken: string;
    if ('mint' in identity.agent) {
      const { agent } = await unary(ops.agents, 'registerAgent', {
        agent: campaignsV1.Agent.fromPartial({ name: `demo-mailer-${suffix.toLowerCase()}`, type: AgentType.AGENT_TYPE_EMAIL, maxConcurrentTasks: 5 }),
        secrets: {},
        requestId: randomUUID(),
      });
      agentId = agent?.id as string;
      agentToken = await identity.agent.mint(agentId);
      say(`   The demo's e-mail agent ${agent?.name} is registered (${agentId}), signs in with a token of its own and watches the queue.`);
    } else {
      agentId = identity.agent.agentId;
      agentToken = identity.agent.token;
      say(`   The e-mail agent ${agentId} watches the queue.`);
    }
    const agent = (agentSide = agentClients(addresses, tokenCredentials(identity.caPem, agentToken)));
    await unary(agent.agents, 'agentHeartbeat', { agentId, status: campaignsV1.AgentStatus.AGENT_STATUS_IDLE, statusMessage: 'demo' });
    await unary(ops.campaigns, 'startCampaign', { campaignId });

    const ledger = async () => (await unary(ops.escalation, 'listStepRuns', { campaignId, pageSize: 100, pageToken: '' })).runs;
    /** The step's entry in the campaign's ledger, once the engine took it; the story cannot go on if it went otherwise. */
    const runOf = async (stepIndex: number, expected: campaignsV1.StepOutcome) => {
      const run = await until(`step ${stepIndex} (${STEP_NAMES[stepIndex]}) in the campaign's ledger`, async () => (await ledger()).find((r) => r.stepIndex === stepIndex), true);
      if (run.outcome !== expected) {
        const word = (o: campaignsV1.StepOutcome) => enumWord(StepOutcome, o, 'STEP_OUTCOME_').toLowerCase();
        throw new Error(`${STEP_NAMES[stepIndex]}: the story needs it ${word(expected)}, the engine recorded it ${word(run.outcome)}: ${run.reason}`);
      }
      return run;
    };
    const getTask = async (taskId: string) => (await unary(ops.tasks, 'getTask', { taskId })).task as campaignsV1.Task;
    const getDecision = async (decisionId: string) => (await unary(ops.decisions, 'getDecision', { decisionId })).decision as complianceV1.Decision;
    const reasonCodes = (d: complianceV1.Decision) => d.reasons.map((r) => enumWord(complianceV1.ReasonCode, r.code, 'REASON_CODE_'));

    // 4a. The e-mail. An agent cannot ask for one customer's task: ClaimTasks gives the queue's
    // most urgent, oldest due task. The demo's e-mail is urgent, so it comes first unless another
    // urgent e-mail waits (handed back at once); the agent asks until it has it, or until another
    // agent (the simulator of `npm start`) took it first.
    const handedBack: string[] = [];
    const claimed = await until(
      'the e-mail task claimed',
      async () => {
        const { tasks } = await unary(agent.tasks, 'claimTasks', { agentId, types: [TaskType.TASK_TYPE_SEND_EMAIL], maxTasks: 1, lease: { seconds: '120', nanos: 0 } });
        for (const task of tasks.filter((t) => t.campaignId !== campaignId)) {
          await unary(agent.tasks, 'failTask', { taskId: task.id, agentId, error: 'taken by the demo agent by mistake: back to the queue', retryable: true, contactStatus: 0 });
          handedBack.push(task.id);
        }
        const ours = tasks.find((t) => t.campaignId === campaignId);
        if (ours) return { task: ours, byDemoAgent: true };
        const run = (await ledger()).find((r) => r.stepIndex === 0);
        if (!run?.taskId) return undefined;
        const task = await getTask(run.taskId);
        return task.status === TaskStatus.TASK_STATUS_PENDING ? undefined : { task, byDemoAgent: false };
      },
      true,
      CLAIM_POLL_MS,
    );
    const emailRun = await runOf(0, StepOutcome.STEP_OUTCOME_TASK_CREATED);
    const emailDecision = await getDecision(emailRun.decisionId);
    let emailTask = claimed.task;
    say(`   ${STEP_NAMES[0]} (e-mail): compliance says ${enumWord(complianceV1.DecisionResult, emailDecision.result, 'DECISION_RESULT_')}; a task is queued for an e-mail agent:`);
    say(`     to ${emailTask.endpoint?.email}, subject "${emailTask.content?.subject}"`);
    quote(say, emailTask.content?.body);
    for (const id of handedBack) say(`   The queue gave the agent another customer's urgent e-mail first (task ${id}): it handed it back (retryable).`);
    const sentByDemoAgent = claimed.byDemoAgent;
    if (sentByDemoAgent) {
      const { task: done } = await unary(agent.tasks, 'completeTask', {
        taskId: emailTask.id,
        agentId,
        result: campaignsV1.TaskResult.fromPartial({ contactStatus: ContactStatus.CONTACT_STATUS_SENT, outcome: 'sent', notes: 'sent by the demo mail agent' }),
      });
      emailTask = done as campaignsV1.Task;
      say(`   The agent claims the task, sends the e-mail and reports it: task ${enumWord(TaskStatus, emailTask.status, 'TASK_STATUS_').toLowerCase()}, contact attempt ${emailTask.result?.contactAttemptId} (status sent).`);
    } else {
      say(`   Another agent was quicker (the simulator of npm start?): the e-mail task is ${enumWord(TaskStatus, emailTask.status, 'TASK_STATUS_').toLowerCase()}, agent ${emailTask.agentId}.`);
    }

    // 4b. The text message, refused after the opt-out.
    const smsRun = await runOf(1, StepOutcome.STEP_OUTCOME_REFUSED);
    const smsDecision = await getDecision(smsRun.decisionId);
    say(`   ${STEP_NAMES[1]} (SMS): compliance says ${enumWord(complianceV1.DecisionResult, smsDecision.result, 'DECISION_RESULT_')}, reasons ${reasonCodes(smsDecision).join(' and ')}:`);
    for (const r of smsDecision.reasons) say(`     - ${r.message}`);
    say(`     The step is ${enumWord(StepOutcome, smsRun.outcome, 'STEP_OUTCOME_').toLowerCase()} (it has no fallback channel): no text is sent, and the campaign goes on.`);

    // 4c. The final notice, on what is left.
    const letterRun = await runOf(2, StepOutcome.STEP_OUTCOME_TASK_CREATED);
    const letter = await getTask(letterRun.taskId);
    say(`   ${STEP_NAMES[2]} (letter; compliance does not decide letters): a task for the letter on what is left after the payment:`);
    quote(say, letter.content?.body);
    say(`     instructions: ${letter.instructions}`);

    // 4d. The call, deferred by quiet hours.
    const callRun = await runOf(3, StepOutcome.STEP_OUTCOME_DEFERRED);
    const callDecision = await getDecision(callRun.decisionId);
    const notBefore = callRun.notBeforeTime as Date;
    const local = localClock(notBefore, place.zone);
    say(
      `   ${STEP_NAMES[3]} (phone): it is ${localClock(new Date(), place.zone).time} in ${place.city}; compliance says ${enumWord(complianceV1.DecisionResult, callDecision.result, 'DECISION_RESULT_')} (${reasonCodes(callDecision).join(', ')}).`,
    );
    say(`     The call waits until ${local.time} ${local.day}, ${place.city} time (${notBefore.toISOString()}, ${duration(notBefore.getTime() - Date.now())} from now).`);
    const waiting = (await unary(ops.campaigns, 'getCampaign', { campaignId })).campaign;
    say(`     The campaign is ${enumWord(CampaignStatus, waiting?.status ?? 0, 'CAMPAIGN_STATUS_').toLowerCase()}, its next step due at ${waiting?.nextStepTime?.toISOString()}.`);

    // 5. The rest is paid.
    say('5. The customer pays the rest');
    const { invoice: paid } = await unary(ops.invoices, 'recordPayment', {
      invoiceId,
      amount: partlyPaid?.balance,
      paidDate: '',
      reference: 'bank transfer, balance',
      requestId: randomUUID(),
    });
    say(`   ${money(partlyPaid?.balance)} received: the invoice is ${statusWord(paid?.status)}.`);
    const done = await until(
      'the campaign to complete',
      async () => {
        const { campaign } = await unary(ops.campaigns, 'getCampaign', { campaignId });
        return campaign?.status === CampaignStatus.CAMPAIGN_STATUS_COMPLETED ? campaign : undefined;
      },
      true,
    );
    const { tasks } = await unary(ops.tasks, 'listTasks', campaignsV1.ListTasksRequest.fromPartial({ campaignId, pageSize: 100 }));
    const taskStates = tasks.map((t) => ({ stepIndex: t.stepIndex, status: enumWord(TaskStatus, t.status, 'TASK_STATUS_').toLowerCase() })).sort((a, b) => a.stepIndex - b.stepIndex);
    say(`   The engine notices at its next pass, without waiting for the call's hour: the campaign is completed, "${done.outcome}".`);
    const note: Record<string, string> = {
      cancelled: ' (it was waiting for an agent: nobody will send it now)',
      assigned: ' (an agent had taken it before the payment: a task an agent holds is left to it)',
      in_progress: ' (an agent had taken it before the payment: a task an agent holds is left to it)',
    };
    for (const t of taskStates) say(`     ${STEP_NAMES[t.stepIndex]}: task ${t.status}${note[t.status] ?? ''}`);

    // 6. The audit trail.
    say('6. The audit trail');
    const trail = await until('every audit event of the campaign sealed into the chain', async () => {
      const { events } = await unary(ops.audit, 'listAuditEvents', complianceV1.ListAuditEventsRequest.fromPartial({ entityType: 'campaign', entityId: campaignId, pageSize: 100 }));
      const last = events.find((e) => e.action === 'completed');
      return last && events.every((e) => e.seq !== '0') ? [...events].reverse() : undefined;
    });
    say(`   The campaign's events, as compliance's audit service keeps them (steps taken by the operator's RunEscalation calls are theirs;`);
    say(`   those the engine's own loop takes are system:escalation-engine's):`);
    for (const e of trail) {
      const details = (e.details ?? {}) as Record<string, unknown>;
      const extra = [details.channel, details.outcome ?? details.reason].filter(Boolean).join(': ');
      say(`   #${e.seq} ${e.createTime?.toISOString()} ${e.action} by ${e.actorType}:${e.actorId}${extra ? ` (${extra})` : ''}`);
    }
    const lastSeq = trail[trail.length - 1].seq;
    const verified = await until('the audit chain verified past the campaign', async () => {
      const answer = await unary(ops.audit, 'verifyAuditChain', {});
      return !answer.ok || BigInt(answer.headSeq) >= BigInt(lastSeq) ? answer : undefined;
    });
    say(
      verified.ok
        ? `   VerifyAuditChain: ok. Every event is chained to the one before it up to #${verified.headSeq} (head hash ${verified.headRowHash.slice(0, 16)}...): none was changed or removed.`
        : `   VerifyAuditChain: BROKEN at #${verified.firstBrokenSeq}: ${verified.problem}`,
    );

    return {
      customerId,
      companyName,
      timeZone: place.zone,
      countryCode: place.country,
      invoiceId,
      invoiceNumber,
      campaignId,
      agentId,
      email: {
        taskId: emailTask.id,
        decisionResult: enumWord(complianceV1.DecisionResult, emailDecision.result, 'DECISION_RESULT_'),
        sentByDemoAgent,
        status: enumWord(TaskStatus, emailTask.status, 'TASK_STATUS_'),
      },
      refusal: {
        outcome: enumWord(StepOutcome, smsRun.outcome, 'STEP_OUTCOME_'),
        decisionResult: enumWord(complianceV1.DecisionResult, smsDecision.result, 'DECISION_RESULT_'),
        reasonCodes: reasonCodes(smsDecision),
        reason: smsRun.reason,
      },
      partial: { invoiceStatus: statusWord(partlyPaid?.status), balance: money(partlyPaid?.balance), letterTaskId: letter.id, letterBody: letter.content?.body ?? '' },
      deferral: { outcome: enumWord(StepOutcome, callRun.outcome, 'STEP_OUTCOME_'), notBefore, localTime: local.time, reasonCodes: reasonCodes(callDecision) },
      completion: { invoiceStatus: statusWord(paid?.status), status: enumWord(CampaignStatus, done.status, 'CAMPAIGN_STATUS_'), outcome: done.outcome, tasks: taskStates },
      audit: { actions: trail.map((e) => e.action), chainOk: verified.ok, headSeq: verified.headSeq },
    };
  } finally {
    closeAll(ops);
    if (agentSide) closeAll(agentSide);
  }
}

/** A message as the customer gets it, each line indented under the step. */
function quote(say: (line: string) => void, text: string | undefined): void {
  for (const line of (text ?? '').split('\n')) say(`       | ${line}`);
}

function statusWord(status: customersV1.InvoiceStatus | undefined): string {
  return enumWord(customersV1.InvoiceStatus, status ?? 0, 'INVOICE_STATUS_').toLowerCase();
}
