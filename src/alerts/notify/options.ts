/** Tuning of notification delivery. Every field has a default; the composition root maps `VITALS_ALERT_DELIVERY_*` onto them. */
export interface DeliveryOptions {
  /** Run delivery workers in this process (`VITALS_ALERT_DELIVERY_WORKERS`). @defaultValue true */
  readonly runWorkers: boolean;
  /** Deliveries at once per process (`VITALS_ALERT_DELIVERY_CONCURRENCY`). @defaultValue 5 */
  readonly concurrency: number;
  /** Attempts per delivery, the first included (`VITALS_ALERT_DELIVERY_ATTEMPTS`). @defaultValue 8 */
  readonly attempts: number;
  /** First retry delay; doubles for each further retry: 5 s, 10 s, 20 s… (`VITALS_ALERT_DELIVERY_BACKOFF`). @defaultValue 5000 */
  readonly backoffMs: number;
  /** Time limit of one attempt (HTTP request or SMTP conversation) (`VITALS_ALERT_DELIVERY_TIMEOUT`). @defaultValue 10000 */
  readonly timeoutMs: number;
  /** Base of links back to the dashboard (`VITALS_PUBLIC_URL`). @defaultValue http://localhost:3000 */
  readonly linkBase: string;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  runWorkers: true,
  concurrency: 5,
  attempts: 8,
  backoffMs: 5000,
  timeoutMs: 10_000,
  linkBase: 'http://localhost:3000',
};

export function deliveryOptions(overrides: Partial<DeliveryOptions> = {}): DeliveryOptions {
  const options = { ...DEFAULT_DELIVERY_OPTIONS, ...overrides };
  if (!(options.attempts >= 1) || !(options.concurrency >= 1) || !(options.timeoutMs > 0))
    throw new RangeError('delivery options: attempts, concurrency and timeoutMs must be positive');
  return Object.freeze(options);
}
