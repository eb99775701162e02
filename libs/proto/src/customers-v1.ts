// escalation.customers.v1
export * from './gen/escalation/customers/v1/customer';
export * from './gen/escalation/customers/v1/customer_service';
export * from './gen/escalation/customers/v1/invoice';
export * from './gen/escalation/customers/v1/invoice_service';
