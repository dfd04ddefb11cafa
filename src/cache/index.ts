export { Cache, type CacheStats, entryKey, groupKey } from './cache.ts';
export { ExpiringMap } from './memory.ts';
export { overviewNamespace, queryGroup } from './namespaces.ts';
