export { buildApp } from './app.ts';
export { type ErrorBody, type ErrorCode, errorCodes, httpStatus, PublicError } from './errors.ts';
export { invalidateAfterWrite, type WrittenHost } from './query-cache.ts';
export { type RouteEntry, routeTable } from './route-table.ts';
export type { ApiServices, AppConfig, HostDirectory, HostSummary, LiveStreamOptions } from './services.ts';
