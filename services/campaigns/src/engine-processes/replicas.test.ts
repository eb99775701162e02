/**
 * The escalation engine on three replicas: three campaigns processes over one database, their
 * loops (small batches, short interval) and RunEscalation calls at all three at once, over
 * hundreds of due campaigns that meet ALLOW, DEFER, refusals, fallbacks, skips and endings.
 * Every due step is taken once, every task has its ALLOW, no reservation is left without its
 * task, the work was shared; and the same with compliance stopped (SIGTERM), compliance killed
 * (SIGKILL: a batch it decided may never be answered) and customers stopped while they run.
 */
import { campaignsV1 } from '@cec/proto';
import { call, eventually, type ServiceProcess } from '@cec/testing';
import { credentials } from '@grpc/grpc-js';
import { passFixtures } from '../rpc/escalation-service/pass-fixtures';
import { useCampaignsService } from '../testing/campaigns-harness';
import { allStepsDone, brokenInvariants, expectedOutcomes, outcomesByKind, progressOf } from './engine-checks';
import { committedSteps, startCampaignsProcess } from './engine-process';
import { preparePopulation, type Population } from './population';

type Prepared = Awaited<ReturnType<typeof preparePopulation>>;

const h = useCampaignsService();
const f = passFixtures(h);

const REPLICA_ENV = { ENGINE_INTERVAL_MS: '100', ENGINE_BATCH_SIZE: '20', ENGINE_LEASE_MS: '20000' };
let replicas: ServiceProcess[] = [];
let first: Prepared;
const PEERS_DOWN = [
  { peer: 'compliance', signal: 'SIGTERM' },
  { peer: 'compliance', signal: 'SIGKILL' },
  { peer: 'customers', signal: 'SIGTERM' },
] as const;
const later = new Map<string, Prepared>();
beforeAll(async () => {
  // Every population is made before the replicas run (their copies are of campaigns no engine took yet).
  first = await preparePopulation(h, f, { allow2: 150, defer: 60, refuse: 60, fallback: 60, finish: 60, skip: 60 });
  for (const { peer, signal } of PEERS_DOWN) {
    later.set(`${peer} ${signal}`, await preparePopulation(h, f, { allow2: 80, defer: 24, refuse: 24, fallback: 24, finish: 24, skip: 24 }));
  }
  replicas = await Promise.all([1, 2, 3].map(() => startCampaignsProcess(h, REPLICA_ENV)));
}, 120_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
});

/**
 * RunEscalation at every replica, over and over, until stop(): how many steps the calls took,
 * and the calls that failed (none should).
 */
function driveRunEscalation(processes: ServiceProcess[]) {
  let stopped = false;
  const clients = processes.map((p) => new campaignsV1.EscalationServiceClient(p.address, credentials.createInsecure()));
  const errors: unknown[] = [];
  let taken = 0;
  const drivers = clients.map(async (client) => {
    while (!stopped && errors.length < 20) {
      try {
        const { summary } = await call(client, 'runEscalation', { maxCampaigns: 30, skipEnrolment: true }, { deadlineMs: 30_000 });
        taken += (summary?.tasksCreated ?? 0) + (summary?.stepsDeferred ?? 0) + (summary?.stepsRefused ?? 0) + (summary?.stepsFellBack ?? 0) + (summary?.stepsSkipped ?? 0);
      } catch (error) {
        errors.push(error);
      }
    }
  });
  let results: Promise<{ taken: number; errors: unknown[] }> | undefined;
  return {
    stop: () =>
      (results ??= (async () => {
        stopped = true;
        await Promise.all(drivers);
        clients.forEach((c) => c.close());
        return { taken, errors };
      })()),
  };
}

async function expectEveryStepOnce(population: Population) {
  expect(await brokenInvariants(h.db, population.campaignIds)).toEqual({});
  expect(await outcomesByKind(h.db, population)).toEqual(expectedOutcomes(population));
}

describe('three campaigns replicas', () => {
  it('take every due step of 450 campaigns once, loops and RunEscalation calls at all three at once, and share the work', async () => {
    // Copied in once all three run, so they start on it together.
    const population = await first.insert();
    const driver = driveRunEscalation(replicas);
    const progress = await eventually(() => allStepsDone(h.db, population), { what: 'every due step done', timeoutMs: 120_000, intervalMs: 250 }).finally(() => driver.stop());
    const { taken, errors } = await driver.stop();
    expect(errors).toEqual([]);
    expect(progress).toEqual({ runs: population.expectedRuns, due: 0, held: 0 });
    await expectEveryStepOnce(population);

    // Each ledger row was committed by exactly one replica (the second test's campaigns made through the APIs are due too: all rows count), and more than one did commit.
    const perReplica = await eventually(
      async () => {
        const steps = await Promise.all(replicas.map(committedSteps));
        const [{ runs }] = await h.db.query<{ runs: number }>('SELECT count(*)::int AS runs FROM campaign_step_runs');
        return steps.reduce((a, b) => a + b, 0) === runs && steps;
      },
      { what: "the replicas' metrics to count every ledger row once" },
    );
    expect(perReplica.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    // The RunEscalation calls took steps too, next to the loops.
    expect(taken).toBeGreaterThan(0);
  }, 150_000);

  it.each(PEERS_DOWN)('with $peer down ($signal) while they run: nothing is made without a decision; once it is back every step is taken once', async ({ peer, signal }) => {
    const population = await (later.get(`${peer} ${signal}`) as Prepared).insert();
    const outputSoFar = replicas.map((r) => r.process.output().length);
    // Its campaigns made through the APIs were taken in an earlier test: wait for the copies.
    const before = (await progressOf(h.db, population.campaignIds)).runs;
    await eventually(async () => (await progressOf(h.db, population.campaignIds)).runs > before, { what: 'the replicas at work on the new campaigns', intervalMs: 10 });
    if (signal === 'SIGKILL') await (peer === 'compliance' ? h.complianceProcess : h.customersProcess).kill('SIGKILL');
    else await h.stopPeer(peer);
    try {
      // The replicas run into it: campaigns are left for a later pass.
      await eventually(() => replicas.some((r, i) => r.process.output().slice(outputSoFar[i]).includes('campaigns left for a later pass')), {
        what: `a replica leaving campaigns for later while ${peer} is down`,
        timeoutMs: 20_000,
      });
      const during = await progressOf(h.db, population.campaignIds);
      expect(during.runs).toBeLessThan(population.expectedRuns);
      expect(await brokenInvariants(h.db, population.campaignIds, { always: true })).toEqual({});
    } finally {
      await h.startPeer(peer);
    }
    await eventually(() => allStepsDone(h.db, population), { what: `every due step done once ${peer} is back`, timeoutMs: 90_000, intervalMs: 250 });
    await expectEveryStepOnce(population);
  }, 150_000);
});
