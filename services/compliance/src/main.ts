import { runService } from '@cec/service-runtime';
import { complianceServiceSpec } from './compliance-service';

runService(complianceServiceSpec);
