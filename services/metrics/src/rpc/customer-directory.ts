import type { ServiceError } from '@grpc/grpc-js';
import { callUnary, peerCallError } from '@cec/grpc';
import { NotFoundError } from '@cec/errors';
import type { customersV1 } from '@cec/proto';

/**
 * Whether a customer exists, as the customers service says: metrics_svc may read the reporting
 * views but not `customers`, so an empty list cannot tell an unknown customer from one never
 * contacted without asking the owner of customers.
 */
export interface CustomerDirectory {
  /** false when customers answers NOT_FOUND; UNAVAILABLE (retry later) when it cannot answer. */
  exists(customerId: string): Promise<boolean>;
}

/** The directory over the customers service's GetCustomer (the peer client of the spec's `customers`). */
export function customerDirectoryFrom(client: customersV1.CustomerServiceClient): CustomerDirectory {
  return {
    exists: (customerId) =>
      callUnary(client, 'getCustomer', { customerId }).then(
        () => true,
        (error: ServiceError) => {
          const failure = peerError(error);
          if (failure instanceof NotFoundError) return false;
          throw failure;
        },
      ),
  };
}

function peerError(error: ServiceError): Error {
  return peerCallError(error, {
    peer: 'customers',
    asked: 'whether the customer exists',
    whenUnavailable: 'the customer has no contact attempts here, and only the customers service can tell an unknown customer from one never contacted: retry later',
    passNotFound: true,
  });
}
