/** The customers domain's own vocabulary (the rpc layer maps protobuf enums onto it). */
export type ContactMethod = 'email' | 'phone' | 'sms';
export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export type InvoiceStatus = 'pending' | 'overdue' | 'partial' | 'paid' | 'cancelled';

/** Invoices with money still owed. */
export const OPEN_STATUSES: readonly InvoiceStatus[] = ['pending', 'overdue', 'partial'];
