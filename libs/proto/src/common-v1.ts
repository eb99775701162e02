// escalation.common.v1
export * from './gen/escalation/common/v1/money';
