export { RateLimiter } from './rate-limiter';
export { ResourceGuard, type ResourceParams } from './resource-guard';
export { TokenBucket } from './token-bucket';
