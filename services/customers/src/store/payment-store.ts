import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { InvalidArgumentError, NotFoundError } from '@cec/errors';
import { decimal, formatAmount } from '@cec/money';
import { createOnce, inTransaction, recordAuditEvent } from '@cec/orm';
import { applyPayment, type MoneyInput } from '../domain/invoice-rules';
import { PaymentEntity, PaymentRecordEntity, type Payment, type PaymentRecord } from '../entities';
import { refreshRisk } from './risk';

export interface PaymentRequest {
  invoiceId: string;
  amount: MoneyInput;
  paidDate: string;
  reference: string | null;
  requestId: string | undefined;
}

const UNIQUE_PAYMENT_REQUEST = 'payments_request_id_key';

/** Payments against invoices, under a row lock on the invoice; each audited in its transaction. */
export class PaymentStore {
  constructor(
    private readonly orm: MikroORM,
    /** Told of each payment once committed (not of a retry given it again): the service's counter. */
    private readonly recorded: (payment: Payment) => void = () => undefined,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /**
   * Records a payment under a row lock on the invoice, so concurrent payments add up and
   * never overpay; a retry with the same request id returns the first result.
   */
  async recordPayment(request: PaymentRequest, call: CallContext): Promise<{ invoice: PaymentRecord; payment: Payment }> {
    return createOnce({
      requestId: request.requestId,
      find: (id) => this.paymentByRequestId(id, request),
      raceConstraints: [UNIQUE_PAYMENT_REQUEST],
      insert: async () => {
        const made = await inTransaction(this.em(), call, async (tx) => {
          const invoice = await tx.findOne(PaymentRecordEntity, { id: request.invoiceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
          if (!invoice) throw NotFoundError.resource('invoice', request.invoiceId);
          const before = { status: invoice.status, amount_paid: invoice.amountPaid };
          const outcome = applyPayment(invoice, request.amount);
          const payment = tx.create(PaymentEntity, {
            paymentRecordId: invoice.id,
            amount: request.amount.amount,
            currency: request.amount.currencyCode,
            paidDate: request.paidDate,
            reference: request.reference,
            requestId: request.requestId ?? null,
          });
          tx.assign(invoice, {
            amountPaid: outcome.amountPaid,
            status: outcome.status,
            paidDate: outcome.status === 'paid' ? request.paidDate : null,
            lastPaymentAt: new Date(),
          });
          await tx.flush();
          const risk = await refreshRisk(tx, invoice.customerId);
          await recordAuditEvent(tx, {
            entityType: 'invoice',
            entityId: invoice.id,
            action: 'payment_recorded',
            actor: call.actor,
            details: {
              request_id: call.requestId,
              payment_id: payment.id,
              amount: request.amount.amount,
              currency: request.amount.currencyCode,
              before,
              after: { status: outcome.status, amount_paid: outcome.amountPaid },
              risk,
            },
          });
          await tx.refresh(invoice);
          await tx.refresh(payment);
          return { invoice, payment };
        });
        this.recorded(made.payment);
        return made;
      },
    });
  }

  private async paymentByRequestId(requestId: string, request: PaymentRequest): Promise<{ invoice: PaymentRecord; payment: Payment } | undefined> {
    const em = this.em();
    const invoiceId = request.invoiceId;
    const payment = await em.findOne(PaymentEntity, { requestId });
    if (!payment) return undefined;
    // A retry carries the same payment; another amount under this key is another payment, which
    // must not be dropped as if it had been recorded.
    if (
      payment.paymentRecordId !== invoiceId ||
      payment.currency !== request.amount.currencyCode ||
      !decimal(payment.amount).eq(request.amount.amount)
    ) {
      throw InvalidArgumentError.field(
        'request_id',
        `was already used for a payment of ${formatAmount(payment.amount, payment.currency)} ${payment.currency} on invoice ` +
          `${payment.paymentRecordId}; use a new request_id for a new payment`,
      );
    }
    return { invoice: (await em.findOne(PaymentRecordEntity, { id: invoiceId })) as PaymentRecord, payment };
  }
}
