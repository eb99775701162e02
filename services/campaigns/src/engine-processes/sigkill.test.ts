/**
 * A campaigns process killed (SIGKILL) in the middle of an escalation pass, with 1,500 due
 * campaigns: killed just after compliance decided a batch and before the batch's commit (the
 * decisions and their reservations are made, the tasks not), restarted on the same database
 * and peers. Once every due step is done: no step lost, none taken twice, every task with the
 * decision the killed pass was given (asked again with the same run key), no reservation
 * without its task, no campaign left holding a lease.
 */
import { eventually, type ServiceProcess } from '@cec/testing';
import { passFixtures } from '../rpc/escalation-service/pass-fixtures';
import { useCampaignsService } from '../testing/campaigns-harness';
import { allStepsDone, brokenInvariants, expectedOutcomes, outcomesByKind, progressOf } from './engine-checks';
import { startCampaignsProcess } from './engine-process';
import { preparePopulation, type Population } from './population';

const h = useCampaignsService();
const f = passFixtures(h);

// A short lease: the campaigns the killed pass held are taken again soon after the restart.
const ENGINE_ENV = { ENGINE_INTERVAL_MS: '50', ENGINE_BATCH_SIZE: '50', ENGINE_LEASE_MS: '6000' };
let engine: ServiceProcess | undefined;
afterAll(async () => {
  await engine?.stop();
});

/** Campaigns the pass `owner` holds whose compliance decisions are made (by run key or fallback run key), with the decisions. */
const decidedNotCommitted = (owner: string) =>
  h.db.query<{ campaign_id: string; run_key: string; decision_id: string; result: string }>(
    `SELECT c.id AS campaign_id, c.engine_run_key AS run_key, d.id AS decision_id, d.result
       FROM campaigns c JOIN compliance_decisions d ON d.request_id IN (c.engine_run_key, c.engine_fallback_run_key)
      WHERE c.engine_lease_owner = $1::uuid`,
    [owner],
  );

interface Kill {
  /** Ledger rows when it was killed. */
  runs: number;
  /** What the killed batch had been told by compliance. */
  decided: Awaited<ReturnType<typeof decidedNotCommitted>>;
  /** ALLOWs of the killed batch reserved with no task. */
  reservedWithoutTask: number;
}

/** When the running campaigns process started: campaigns leased before were leased by a killed one (their leases run out by themselves). */
let startedAt = new Date(0);

/**
 * SIGKILLs the process once `share` of the ledger is written, while a batch is between
 * compliance's decisions and its commit: one campaign the batch holds is locked here, so the
 * batch's commit waits for it (as behind any other writer of the row); once PostgreSQL shows
 * the commit waiting, the process is killed, then the lock let go. The commit never happens.
 */
async function killBeforeCommit(population: Population, share: number): Promise<Kill> {
  const client = await h.db.pool.connect();
  try {
    const locked = await eventually(
      async () => {
        if ((await progressOf(h.db, population.campaignIds)).runs < share * population.expectedRuns) return false;
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string; owner: string }>(
          // An e-mail step (compliance allows and reserves it): the batch holding it has at least
          // one reservation to leave behind when it dies. (Batches of other kinds, e.g. only
          // skipped steps, ask compliance nothing; several batches are in flight at once.)
          // A lease taken by the running process (claimed after it started: lease end = claim + the lease).
          `SELECT id, engine_lease_owner AS owner FROM campaigns
            WHERE engine_lease_owner IS NOT NULL AND engine_lease_until > $1::timestamptz + make_interval(secs => $2::int / 1000.0)
              AND escalation_steps -> current_step ->> 'task_type' = 'send_email'
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [startedAt, Number(ENGINE_ENV.ENGINE_LEASE_MS)],
        );
        if (!rows.length || rows[0].owner === null) {
          await client.query('ROLLBACK');
          return false;
        }
        return rows[0];
      },
      { what: `a batch in progress with ${share * 100}% of the steps done`, timeoutMs: 60_000, intervalMs: 5 },
    );
    await eventually(
      async () =>
        (
          await h.db.query(
            "SELECT 1 FROM pg_stat_activity WHERE usename = 'campaigns_svc' AND datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF c%'",
          )
        ).length > 0,
      { what: "the batch's commit waiting for the locked campaign", timeoutMs: 30_000, intervalMs: 5 },
    );
    await engine?.kill('SIGKILL');
    const decided = await decidedNotCommitted(locked.owner);
    const [{ reserved }] = await h.db.query<{ reserved: number }>(
      'SELECT count(*)::int AS reserved FROM contact_reservations r WHERE r.decision_id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.decision_id = r.decision_id)',
      [decided.map((d) => d.decision_id)],
    );
    return { runs: (await progressOf(h.db, population.campaignIds)).runs, decided, reservedWithoutTask: reserved };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

describe('a campaigns process killed mid-pass', () => {
  it('takes every due step of 1,500 campaigns once after SIGKILLs between compliance’s decisions and the commit', async () => {
    const prepared = await preparePopulation(h, f, { allow2: 500, defer: 150, refuse: 150, fallback: 300, finish: 200, skip: 200 });
    const population = await prepared.insert();
    const start = async () => {
      startedAt = (await h.db.query<{ now: Date }>('SELECT now()'))[0].now;
      engine = await startCampaignsProcess(h, ENGINE_ENV);
    };
    await start();

    const kills: Kill[] = [];
    for (const share of [0.2, 0.45, 0.7]) {
      kills.push(await killBeforeCommit(population, share));
      await start();
    }
    // Every kill landed mid-way, after compliance decided and reserved, before the tasks were made.
    for (const kill of kills) {
      expect(kill.runs).toBeGreaterThan(0);
      expect(kill.runs).toBeLessThan(population.expectedRuns);
      expect(kill.reservedWithoutTask).toBeGreaterThan(0);
    }

    await eventually(() => allStepsDone(h.db, population), { what: 'every due step done after the restart', timeoutMs: 120_000, intervalMs: 250 });
    expect(await brokenInvariants(h.db, population.campaignIds)).toEqual({});
    // Each customer has the decisions of its campaign's steps and no more: no step was asked about again under a new key.
    expect(await outcomesByKind(h.db, population)).toEqual(expectedOutcomes(population));

    // The tasks use the very decisions the killed pass was given: asked again with the same run key, compliance answered them again.
    const allowed = kills.flatMap((k) => k.decided.filter((d) => d.result === 'allow'));
    const used = await h.db.query<{ decision_id: string; request_id: string }>('SELECT decision_id, request_id FROM tasks WHERE decision_id = ANY($1::uuid[])', [
      allowed.map((d) => d.decision_id),
    ]);
    expect(new Map(used.map((t) => [t.decision_id, t.request_id]))).toEqual(new Map(allowed.map((d) => [d.decision_id, d.run_key])));
  }, 240_000);
});
