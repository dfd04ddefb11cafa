import { Type } from 'typebox';
import {
  expositionFlavorFromContentType,
  LABEL_NAME,
  METRIC_NAME,
  parseExposition,
  type Sample,
} from '../contract/index.ts';
import { type CollectContext, type Collector, SampleSet } from './collector.ts';
import { CollectError, messageOf } from './errors.ts';
import { settingsReader } from './settings.ts';

export const PrometheusSettings = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://',
      maxLength: 2048,
      description: 'the exposition endpoint, e.g. http://host:9100/metrics',
    }),
    bearerToken: Type.Optional(Type.String({ minLength: 1 })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'HTTP basic auth, with password' })),
    password: Type.Optional(Type.String()),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
const readSettings = settingsReader('prometheus', PrometheusSettings);

/** What Prometheus itself asks for, minus the protobuf format: text first, OpenMetrics accepted. */
const ACCEPT = 'text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.9,*/*;q=0.1';

type Settings = ReturnType<typeof readSettings>;

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * What to fetch and how to authenticate. fetch refuses a URL with credentials, so credentials still
 * written into one (hosts stored before tenancy moved them to `username` / `password`) are taken out
 * and sent as basic auth; the settings' own fields win.
 */
function request(settings: Settings): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { accept: ACCEPT, 'user-agent': 'vitals-collector' };
  let { url } = settings;
  let username = settings.username;
  let password = settings.password;
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed && (parsed.username !== '' || parsed.password !== '')) {
    username ??= decoded(parsed.username);
    password ??= decoded(parsed.password);
    parsed.username = '';
    parsed.password = '';
    url = parsed.toString();
  }
  if (settings.bearerToken) headers.authorization = `Bearer ${settings.bearerToken}`;
  else if (username !== undefined || password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
  }
  return { url, headers };
}

function statusError(status: number, url: string): CollectError {
  const message = `http: ${url} answered ${status}`;
  if (status === 401 || status === 403)
    return new CollectError('auth', `${message} (authentication refused)`);
  if (status === 404 || status === 400 || status === 405 || status === 410)
    return new CollectError('settings', `${message}: check the url`);
  return new CollectError('unreachable', message);
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new CollectError('protocol', `http: the response is larger than ${maxBytes} bytes`, { retryable: false });
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) throw tooLarge();
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The URL without credentials or query, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the url';
  }
}

function storable(sample: Sample): boolean {
  return METRIC_NAME.test(sample.name) && Object.keys(sample.labels).every((l) => LABEL_NAME.test(l));
}

/**
 * Scrapes a Prometheus text exposition (or OpenMetrics) endpoint and stores every sample as a series
 * with its labels: counters and gauges as they are, histogram and summary parts (`_bucket{le}`, `_sum`,
 * `_count`, `{quantile}`) as ordinary series. Exposed timestamps are kept; others get the scrape time.
 */
export class PrometheusCollector implements Collector {
  readonly kind = 'prometheus';
  readonly connection = 'http';

  constructor(private readonly maxResponseBytes: number) {}

  async collect(ctx: CollectContext): Promise<SampleSet> {
    const settings = readSettings(ctx.settings);
    const scrapedAt = ctx.now();
    const { text, flavor } = await this.fetch(settings, ctx);
    const { samples, errors } = parseExposition(text, { flavor, defaultTimestamp: scrapedAt });
    if (samples.length === 0 && errors.length > 0) {
      throw new CollectError(
        'protocol',
        `http: ${shown(settings.url)} is not a Prometheus exposition (line ${errors[0]?.line}: ${errors[0]?.message})`,
      );
    }
    const set = new SampleSet(scrapedAt);
    set.invalid = errors.length;
    for (const sample of samples) {
      if (!storable(sample)) set.invalid++;
      else if (sample.timestamp < ctx.bounds.minTimestamp || sample.timestamp > ctx.bounds.maxTimestamp)
        set.dropped++;
      else set.put(sample.name, sample.value, sample.labels, sample.timestamp);
    }
    return set;
  }

  private async fetch(settings: Settings, ctx: CollectContext) {
    try {
      const { url, headers } = request(settings);
      const response = await fetch(url, {
        headers,
        signal: ctx.signal,
        redirect: 'follow',
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw statusError(response.status, shown(settings.url));
      }
      const flavor = expositionFlavorFromContentType(response.headers.get('content-type') ?? '');
      return { flavor, text: await readLimited(response, this.maxResponseBytes) };
    } catch (err: unknown) {
      if (err instanceof CollectError) throw err;
      if (ctx.signal.aborted)
        throw new CollectError(
          'timeout',
          `http: no answer from ${shown(settings.url)} within ${ctx.timeoutMs} ms`,
        );
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : messageOf(err);
      throw new CollectError('unreachable', `http: ${shown(settings.url)}: ${cause}`, { cause: err });
    }
  }
}
