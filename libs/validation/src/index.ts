export { daysBetween, isoDate, todayUtc } from './dates';
export { enumList, MAX_ENUM_FILTER } from './enum-list';
export { idList, MAX_BATCH } from './id-list';
export { text } from './text';
export { isUuid, optionalUuid, requireUuid, UUID_PATTERN } from './uuid';
