import { runService } from '@cec/service-runtime';
import { customersServiceSpec } from './customers-service';

runService(customersServiceSpec);
