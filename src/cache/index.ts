export { Cache, type CacheStats } from './cache.ts';
export { ExpiringMap } from './memory.ts';
export { overviewNamespace } from './namespaces.ts';
