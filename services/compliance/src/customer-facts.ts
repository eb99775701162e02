import type { ServiceError } from '@grpc/grpc-js';
import { peerCallError } from '@cec/grpc';
import type { customersV1 } from '@cec/proto';
import type { CustomerFacts } from './domain/types';

/** Where the facts about customers come from: the customers service, never the caller's say-so. */
export type FactsSource = (customerIds: string[]) => Promise<Map<string, CustomerFacts>>;

/**
 * Facts from customers' BatchGetContactProfiles. An unknown customer is NOT_FOUND; customers
 * down or slow is UNAVAILABLE: compliance refuses to decide rather than guess.
 */
export function customerFactsFrom(client: customersV1.CustomerServiceClient): FactsSource {
  return async (customerIds) => {
    const response = await new Promise<customersV1.BatchGetContactProfilesResponse>((resolve, reject) => {
      client.batchGetContactProfiles({ customerIds }, (error, value) => (error ? reject(peerError(error)) : resolve(value)));
    });
    return new Map(
      response.profiles.map((p) => [
        p.customerId,
        { customerId: p.customerId, timeZone: p.timeZone, countryCode: p.countryCode, regionCode: p.regionCode, doNotContact: p.doNotContact },
      ]),
    );
  };
}

function peerError(error: ServiceError): Error {
  return peerCallError(error, {
    peer: 'customers',
    asked: "for the customers' contact facts",
    whenUnavailable: "compliance does not decide without the customer's time zone, location and do-not-contact flag: retry later",
    passNotFound: true,
  });
}
