import { resolveUpdateMask, type AsyncService } from '@cec/grpc';
import { Violations } from '@cec/errors';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';
import { checkPolicyChanges, POLICY_FIELDS, type PolicyField } from '../domain/enrolment-policy';
import { EnrolmentStore } from '../store/enrolment-store';
import { policyInputFromProto, policyToProto } from './enrolment-messages';

type Handlers = Pick<AsyncService<campaignsV1.EscalationServiceServer>, 'getEnrolmentPolicy' | 'updateEnrolmentPolicy'>;

/** GetEnrolmentPolicy and UpdateEnrolmentPolicy: who the escalation engine enrols by itself. */
export function enrolmentPolicyHandlers(deps: CampaignsDeps, store = new EnrolmentStore(deps.orm)): Handlers {
  return {
    async getEnrolmentPolicy() {
      return { policy: policyToProto(await store.policy()) };
    },

    /**
     * Changes the fields in update_mask (without one: every field the request sets; turning the
     * policy off or a minimum day count of 0 needs the mask). Every bad field is named at once
     * (INVALID_ARGUMENT) and nothing changes; a change is audited in its transaction.
     */
    async updateEnrolmentPolicy(request, context) {
      const policy = request.policy;
      const fields = resolveUpdateMask<PolicyField>(request.updateMask, {
        allowed: POLICY_FIELDS,
        resource: 'policy',
        populated: () =>
          POLICY_FIELDS.filter((f) => {
            switch (f) {
              case 'enabled':
                return policy?.enabled === true;
              case 'min_overdue_amounts':
                return (policy?.minOverdueAmounts.length ?? 0) > 0;
              case 'min_days_overdue':
                return (policy?.minDaysOverdue ?? 0) !== 0;
              case 'preset':
                return (policy?.preset ?? '') !== '';
              case 'excluded_customer_ids':
                return (policy?.excludedCustomerIds.length ?? 0) > 0;
            }
          }),
      });
      const v = new Violations();
      const changes = checkPolicyChanges(v, policyInputFromProto(policy), fields);
      v.throwIfAny();
      return { policy: policyToProto(await store.update(changes, context)) };
    },
  };
}
