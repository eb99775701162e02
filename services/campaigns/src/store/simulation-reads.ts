import { NotFoundError } from '@cec/errors';
import { pgTimestamp, sql, type SqlTarget } from '@cec/orm';
import type { Channel } from '../domain/contact';
import { CAMPAIGN_COLUMNS, campaignRecordOf, type CampaignRecord, type CampaignRow } from './campaign-rows';

/** A row of the engine's ledger (campaign_step_runs), as a dry run reads it. */
export interface StepRunRecord {
  stepIndex: number;
  outcome: 'task_created' | 'deferred' | 'refused' | 'fell_back' | 'skipped';
  channel: Channel | null;
  notBefore: Date | null;
  reason: string | null;
  createdAt: Date;
}

/** A campaign with what the engine keeps of it: when its last step was taken, and its ledger (oldest first). */
export interface CampaignProgress {
  campaign: CampaignRecord;
  lastStepAt: Date | null;
  runs: StepRunRecord[];
}

interface ProgressRow extends CampaignRow {
  last_step_at: string | null;
  runs: { step_index: number; outcome: StepRunRecord['outcome']; channel: Channel | null; not_before: string | null; reason: string | null; created_at: string }[] | null;
}

/** The campaign, its last_step_at and its ledger, in one statement (one snapshot); NOT_FOUND when there is no such campaign. Reads only. */
export async function readCampaignProgress(em: SqlTarget, campaignId: string): Promise<CampaignProgress> {
  const [row] = await sql<ProgressRow>(
    em,
    `SELECT ${CAMPAIGN_COLUMNS}, c.last_step_at::text AS last_step_at,
            (SELECT json_agg(json_build_object('step_index', r.step_index, 'outcome', r.outcome, 'channel', r.channel,
                                               'not_before', r.not_before::text, 'reason', r.reason, 'created_at', r.created_at::text)
                             ORDER BY r.created_at, r.id)
               FROM campaign_step_runs r WHERE r.campaign_id = c.id) AS runs
       FROM campaigns c WHERE c.id = ?`,
    [campaignId],
  );
  if (!row) throw NotFoundError.resource('campaign', campaignId);
  return {
    campaign: campaignRecordOf(row),
    lastStepAt: pgTimestamp(row.last_step_at),
    runs: (row.runs ?? []).map((r) => ({
      stepIndex: r.step_index,
      outcome: r.outcome,
      channel: r.channel,
      notBefore: pgTimestamp(r.not_before),
      reason: r.reason,
      createdAt: pgTimestamp(r.created_at) as Date,
    })),
  };
}
