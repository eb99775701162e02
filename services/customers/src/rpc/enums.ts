import type { Violations } from '@cec/errors';
import { customersV1 } from '@cec/proto';
import type { ContactMethod, InvoiceStatus, RiskLevel } from '../domain/values';

const { ContactMethod: PbContactMethod, RiskLevel: PbRiskLevel, InvoiceStatus: PbInvoiceStatus } = customersV1;

const CONTACT: Record<number, ContactMethod> = {
  [PbContactMethod.CONTACT_METHOD_EMAIL]: 'email',
  [PbContactMethod.CONTACT_METHOD_PHONE]: 'phone',
  [PbContactMethod.CONTACT_METHOD_SMS]: 'sms',
};
const RISK: Record<number, RiskLevel> = {
  [PbRiskLevel.RISK_LEVEL_LOW]: 'low',
  [PbRiskLevel.RISK_LEVEL_MEDIUM]: 'medium',
  [PbRiskLevel.RISK_LEVEL_HIGH]: 'high',
  [PbRiskLevel.RISK_LEVEL_CRITICAL]: 'critical',
};
const STATUS: Record<number, InvoiceStatus> = {
  [PbInvoiceStatus.INVOICE_STATUS_PENDING]: 'pending',
  [PbInvoiceStatus.INVOICE_STATUS_OVERDUE]: 'overdue',
  [PbInvoiceStatus.INVOICE_STATUS_PARTIAL]: 'partial',
  [PbInvoiceStatus.INVOICE_STATUS_PAID]: 'paid',
  [PbInvoiceStatus.INVOICE_STATUS_CANCELLED]: 'cancelled',
};

const invert = <T extends string>(map: Record<number, T>): Record<T, number> =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [v, Number(k)])) as Record<T, number>;
const CONTACT_PB = invert(CONTACT);
const RISK_PB = invert(RISK);
const STATUS_PB = invert(STATUS);

/** A protobuf enum value to the domain's: undefined for *_UNSPECIFIED; a violation naming the valid names for unknown numbers. */
function fromProto<T extends string>(
  map: Record<number, T>,
  nameOf: (value: number) => string,
  value: number,
  v: Violations,
  field: string,
): T | undefined {
  if (value === 0) return undefined;
  const mapped = map[value];
  if (!mapped) v.add(field, `unknown value ${value}; use one of ${Object.keys(map).map((k) => nameOf(Number(k))).join(', ')}`);
  return mapped;
}

export const contactMethodFromProto = (value: number, v: Violations, field: string) =>
  fromProto(CONTACT, customersV1.contactMethodToJSON, value, v, field);
export const riskLevelFromProto = (value: number, v: Violations, field: string) =>
  fromProto(RISK, customersV1.riskLevelToJSON, value, v, field);
export const invoiceStatusFromProto = (value: number, v: Violations, field: string) =>
  fromProto(STATUS, customersV1.invoiceStatusToJSON, value, v, field);

export const contactMethodToProto = (value: ContactMethod): customersV1.ContactMethod => CONTACT_PB[value];
export const riskLevelToProto = (value: RiskLevel | null | undefined): customersV1.RiskLevel =>
  value ? RISK_PB[value] : PbRiskLevel.RISK_LEVEL_UNSPECIFIED;
export const invoiceStatusToProto = (value: InvoiceStatus): customersV1.InvoiceStatus => STATUS_PB[value];
