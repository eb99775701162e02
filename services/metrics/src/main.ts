import { runService } from '@cec/service-runtime';
import { metricsServiceSpec } from './metrics-service';

runService(metricsServiceSpec);
