export { CustomerEntity, type AddressValue, type Customer } from './customer.entity';
export { CustomerProfileEntity, type CustomerProfile } from './customer-profile.entity';
export { PaymentEntity, type Payment } from './payment.entity';
export { PaymentRecordEntity, type PaymentRecord } from './payment-record.entity';

import { CustomerEntity } from './customer.entity';
import { CustomerProfileEntity } from './customer-profile.entity';
import { PaymentEntity } from './payment.entity';
import { PaymentRecordEntity } from './payment-record.entity';

export const ENTITIES = [CustomerEntity, CustomerProfileEntity, PaymentRecordEntity, PaymentEntity];
