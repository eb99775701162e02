// escalation.compliance.v1
export * from './gen/escalation/compliance/v1/audit_service';
export * from './gen/escalation/compliance/v1/compliance_rule_service';
export * from './gen/escalation/compliance/v1/compliance_service';
export * from './gen/escalation/compliance/v1/decision';
export * from './gen/escalation/compliance/v1/opt_out';
export * from './gen/escalation/compliance/v1/opt_out_service';
export * from './gen/escalation/compliance/v1/rule';
