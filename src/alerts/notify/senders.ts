import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Notification } from '../contract.ts';
import { channelSecrets } from './channel-input.ts';
import type {
  AlertmanagerSettings,
  Channel,
  ChatSettings,
  EmailSettings,
  WebhookSettings,
} from './channel-schema.ts';
import { DeliveryError, messageOf } from './errors.ts';
import { alertmanagerBody, discordBody, emailBody, slackBody, webhookBody } from './payloads.ts';

/** What one delivery attempt needs besides the channel. */
export interface SendContext {
  readonly org: string;
  /** `<alertId>:<seq>:<channelId>`, sent as `Idempotency-Key`. */
  readonly key: string;
  readonly notification: Notification;
  /** Base of links back to the dashboard (Alertmanager's `generatorURL`). */
  readonly linkBase: string;
  readonly timeoutMs: number;
  readonly now: number;
}

/** `sha256=<hex>`: HMAC-SHA256 of the raw body with the channel's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** 4xx other than 408 (timeout) and 429 (rate limited): the receiver refuses this for good. */
function finalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

async function post(
  channel: Channel,
  url: string,
  body: string,
  headers: Record<string, string>,
  ctx: SendContext,
): Promise<void> {
  const known = channelSecrets(channel);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': ctx.key, ...headers },
      body,
      signal: AbortSignal.timeout(ctx.timeoutMs),
      redirect: 'error',
    });
  } catch (err: unknown) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new DeliveryError(`${channel.kind} unreachable: ${messageOf(err)}${cause}`, false, known);
  }
  const text = (await res.text().catch(() => '')).slice(0, 200);
  if (res.ok) return;
  throw new DeliveryError(
    `${channel.kind} answered ${res.status}${text ? `: ${text}` : ''}`,
    finalStatus(res.status),
    known,
  );
}

function sendWebhook(channel: Channel, ctx: SendContext): Promise<void> {
  const settings = channel.settings as WebhookSettings;
  const body = JSON.stringify(webhookBody(ctx.org, ctx.notification));
  const headers: Record<string, string> = { 'x-vitals-timestamp': String(ctx.now) };
  if (settings.secret) headers['x-vitals-signature'] = signature(settings.secret, body);
  return post(channel, settings.url, body, headers, ctx);
}

function sendAlertmanager(channel: Channel, ctx: SendContext): Promise<void> {
  const settings = channel.settings as AlertmanagerSettings;
  const body = JSON.stringify(alertmanagerBody(ctx.org, ctx.notification, ctx.linkBase));
  const headers: Record<string, string> = {};
  if (settings.username !== undefined || settings.password !== undefined) {
    const pair = `${settings.username ?? ''}:${settings.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return post(channel, `${settings.url.replace(/\/+$/, '')}/api/v2/alerts`, body, headers, ctx);
}

function sendChat(channel: Channel, ctx: SendContext): Promise<void> {
  const { url } = channel.settings as ChatSettings;
  const payload = channel.kind === 'slack' ? slackBody(ctx.notification) : discordBody(ctx.notification);
  return post(channel, url, JSON.stringify(payload), {}, ctx);
}

/** SMTP reply codes 5xx and authentication failures do not heal by retrying. */
function finalMail(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = Reflect.get(err, 'code');
  const responseCode = Reflect.get(err, 'responseCode');
  return (
    code === 'EAUTH' || code === 'EENVELOPE' || (typeof responseCode === 'number' && responseCode >= 500)
  );
}

async function sendEmail(channel: Channel, ctx: SendContext): Promise<void> {
  const s = channel.settings as EmailSettings;
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure ?? false,
    ...(s.user !== undefined && { auth: { user: s.user, pass: s.pass ?? '' } }),
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
  });
  const { subject, text } = emailBody(ctx.notification);
  try {
    await transport.sendMail({
      from: s.from,
      to: s.to,
      subject,
      text,
      headers: { 'X-Vitals-Idempotency-Key': ctx.key },
    });
  } catch (err: unknown) {
    throw new DeliveryError(`smtp: ${messageOf(err)}`, finalMail(err), channelSecrets(channel));
  } finally {
    transport.close();
  }
}

/** Sends one notification to one channel; throws DeliveryError (redacted) when it did not arrive. */
export function send(channel: Channel, ctx: SendContext): Promise<void> {
  switch (channel.kind) {
    case 'webhook':
      return sendWebhook(channel, ctx);
    case 'alertmanager':
      return sendAlertmanager(channel, ctx);
    case 'slack':
    case 'discord':
      return sendChat(channel, ctx);
    case 'email':
      return sendEmail(channel, ctx);
  }
}
