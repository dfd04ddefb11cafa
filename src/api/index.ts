export { type AppDeps, type AppOptions, buildApp } from './app.ts';
export { type ErrorBody, type ErrorCode, errorCodes, httpStatus, PublicError } from './errors.ts';
