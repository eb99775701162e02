export { runDemo, type DemoFacts, type DemoIdentity, type DemoOptions } from './scenario';
export { type DemoAddresses } from './clients';
export { DEMO_OPERATOR, devIdentity } from './identity';
export { placeAtNight, PLACES, type Place } from './night-zone';
