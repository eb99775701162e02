import { MetricsRetentionEntity } from './metrics-retention.entity';

export { MetricsRetentionEntity, type MetricsRetentionRow } from './metrics-retention.entity';

/** Every entity of the metrics service (samples and reports are reached with SQL: they are bulk work). */
export const ENTITIES = [MetricsRetentionEntity];
