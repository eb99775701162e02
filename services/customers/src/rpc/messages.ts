import { decimal, formatAmount } from '@cec/money';
import type { commonV1, customersV1 } from '@cec/proto';
import { jurisdiction } from '../domain/contact-rules';
import type { Payment, PaymentRecord } from '../entities';
import type { CustomerRecord, CustomerSummary } from '../store/customer-store';
import { contactMethodToProto, invoiceStatusToProto, riskLevelToProto } from './enums';

/** Database rows to protobuf messages. */

export function money(amount: string, currency: string): commonV1.Money {
  return { currencyCode: currency, amount: formatAmount(amount, currency) };
}

const num = (value: string | number | null | undefined): number => (value === null || value === undefined ? 0 : Number(value));

export function toCustomer({ customer, profile }: CustomerSummary): customersV1.Customer {
  const a = customer.address;
  return {
    id: customer.id,
    companyName: customer.companyName,
    contactName: customer.contactName ?? '',
    email: customer.email,
    phone: customer.phone ?? '',
    preferredContactMethod: contactMethodToProto(customer.preferredContactMethod),
    address: {
      line1: a.line1 ?? '',
      line2: a.line2 ?? '',
      city: a.city ?? '',
      state: a.state ?? '',
      postalCode: a.postal_code ?? '',
      country: a.country ?? '',
    },
    riskLevel: riskLevelToProto(profile.riskLevel),
    riskScore: profile.riskScore,
    createTime: customer.createdAt,
    updateTime: customer.updatedAt,
  };
}

function toRiskFactors(factors: Record<string, unknown>): customersV1.RiskFactors | undefined {
  if (!factors || !Object.keys(factors).length) return undefined;
  const f = factors as Record<string, string | number | null>;
  return {
    weightedDaysLate: num(f.weighted_days_late),
    delayPoints: num(f.delay_points),
    totalInvoiced: decimal(String(f.total_invoiced ?? '0')).toFixed(),
    overdueBalance: decimal(String(f.overdue_balance ?? '0')).toFixed(),
    overdueRatio: num(f.overdue_ratio),
    exposurePoints: num(f.exposure_points),
    oldestDaysOverdue: num(f.oldest_days_overdue),
    agePoints: num(f.age_points),
    brokenPayments: num(f.broken_payments),
    brokenPoints: num(f.broken_points),
    responseRate: f.response_rate === null || f.response_rate === undefined ? undefined : Number(f.response_rate),
    responsivenessPoints: num(f.responsiveness_points),
  };
}

export function toProfile({ customer, profile }: CustomerRecord): customersV1.CustomerProfile {
  return {
    customerId: customer.id,
    preferredContactMethod: contactMethodToProto(customer.preferredContactMethod),
    timeZone: profile.timezone,
    countryCode: profile.countryCode ?? '',
    regionCode: profile.regionCode ?? '',
    doNotContact: profile.doNotContact,
    doNotContactReason: profile.doNotContactReason ?? '',
    notes: profile.notes ?? '',
    riskScore: profile.riskScore,
    riskLevel: riskLevelToProto(profile.riskLevel),
    riskFactors: toRiskFactors(profile.riskFactors),
    riskCalculateTime: profile.riskCalculatedAt ?? undefined,
    averagePaymentDelayDays: num(profile.averagePaymentDelay),
    responseRate: profile.responseRate === null || profile.responseRate === undefined ? undefined : Number(profile.responseRate),
    updateTime: profile.updatedAt,
  };
}

export function toContactProfile({ customer, profile }: CustomerRecord): customersV1.ContactProfile {
  return {
    customerId: customer.id,
    companyName: customer.companyName,
    contactName: customer.contactName ?? '',
    email: customer.email,
    phone: customer.phone ?? '',
    preferredContactMethod: contactMethodToProto(customer.preferredContactMethod),
    timeZone: profile.timezone,
    countryCode: profile.countryCode ?? '',
    regionCode: profile.regionCode ?? '',
    jurisdiction: jurisdiction(profile.countryCode, profile.regionCode),
    doNotContact: profile.doNotContact,
    riskLevel: riskLevelToProto(profile.riskLevel),
    riskScore: profile.riskScore,
  };
}

export function toInvoice(record: PaymentRecord): customersV1.Invoice {
  const currency = record.currency;
  return {
    id: record.id,
    customerId: record.customerId,
    invoiceNumber: record.invoiceNumber,
    amount: money(record.amount, currency),
    amountPaid: money(record.amountPaid, currency),
    balance: money(decimal(record.amount).minus(record.amountPaid).toString(), currency),
    issuedDate: record.issuedDate,
    dueDate: record.dueDate,
    paidDate: record.paidDate ?? '',
    status: invoiceStatusToProto(record.status),
    description: record.description ?? '',
    lastPaymentTime: record.lastPaymentAt ?? undefined,
    cancelTime: record.cancelledAt ?? undefined,
    cancellationReason: record.cancellationReason ?? '',
    createTime: record.createdAt,
    updateTime: record.updatedAt,
  };
}

export function toPayment(payment: Payment): customersV1.Payment {
  return {
    id: payment.id,
    invoiceId: payment.paymentRecordId,
    amount: money(payment.amount, payment.currency),
    paidDate: payment.paidDate,
    reference: payment.reference ?? '',
    recordTime: payment.recordedAt,
  };
}
