import { runService } from '@cec/service-runtime';
import { campaignsServiceSpec } from './campaigns-service';

runService(campaignsServiceSpec);
