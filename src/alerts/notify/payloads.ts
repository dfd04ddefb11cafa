import type { Alert, Notification } from '../contract.ts';

/**
 * What each kind of channel is sent for one notification. Pure functions of the notification, so the
 * docs' example payloads and the tests read the same shapes.
 */

/** Version of the generic webhook body; grows only by adding fields. */
export const WEBHOOK_VERSION = 1;

/**
 * Alertmanager resolves an alert by itself when its `endsAt` passes. Vitals notifies on transitions
 * (not every evaluation as Prometheus does), so a firing alert is sent with `endsAt` this far ahead and
 * ends early only through the resolved notification (`endsAt` = resolvedAt).
 */
export const ALERTMANAGER_FIRING_HOLD_MS = 7 * 86_400_000;

export interface WebhookBody {
  readonly version: number;
  readonly org: string;
  readonly alert: Alert;
  readonly transition: Notification['transition'];
}

export function webhookBody(org: string, n: Notification): WebhookBody {
  return { version: WEBHOOK_VERSION, org, alert: n.alert, transition: n.transition };
}

/** `FIRING`, `RESOLVED`, `ACKNOWLEDGED`… of the transition. */
export function statusWord(n: Notification): string {
  return n.transition.action.toUpperCase();
}

function alertName(alert: Alert): string {
  return alert.labels.alertname ?? alert.ruleId;
}

/** One line naming the alert: `[FIRING] cpu-high on web-1: CPU at 97 %`. */
export function headline(n: Notification): string {
  const { alert } = n;
  return `[${statusWord(n)}] ${alertName(alert)} on ${alert.host}: ${alert.annotations.summary}`;
}

function labelLine(alert: Alert): string {
  return Object.entries(alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function detailLines(n: Notification): string[] {
  const { alert, transition } = n;
  return [
    ...(alert.annotations.description ? [alert.annotations.description] : []),
    `severity: ${alert.severity}, value: ${alert.value ?? 'no data'}, threshold: ${alert.threshold}`,
    `labels: ${labelLine(alert)}`,
    `at: ${new Date(transition.at).toISOString()}${transition.by ? ` by ${transition.by}` : ''}${
      transition.note ? ` (${transition.note})` : ''
    }`,
    `alert: ${alert.id}`,
  ];
}

export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

/** `POST /api/v2/alerts` body: one alert; resolved ones end at their resolution. */
export function alertmanagerBody(org: string, n: Notification, linkBase: string): AlertmanagerAlert[] {
  const { alert, transition } = n;
  const resolved = alert.status === 'resolved';
  const startsAt = alert.firedAt ?? alert.startedAt;
  // The test notification (`TEST_ALERT_NAME`) ends by itself after 5 minutes.
  const hold = alert.ruleId === 'test' ? 300_000 : ALERTMANAGER_FIRING_HOLD_MS;
  const endsAt = resolved ? (alert.resolvedAt ?? transition.at) : transition.at + hold;
  return [
    {
      labels: { ...alert.labels, alertname: alertName(alert), org },
      annotations: {
        summary: alert.annotations.summary,
        ...(alert.annotations.description && { description: alert.annotations.description }),
        vitals_alert_id: alert.id,
      },
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(Math.max(endsAt, startsAt)).toISOString(),
      generatorURL: `${linkBase.replace(/\/+$/, '')}/#/alerts/${encodeURIComponent(alert.id)}`,
    },
  ];
}

export function slackBody(n: Notification): { text: string; blocks: unknown[] } {
  const text = headline(n);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: detailLines(n).join('\n') }] },
    ],
  };
}

const DISCORD_COLOUR = { firing: 0xd93f0b, resolved: 0x2da44e, other: 0x6e7781 } as const;

export function discordBody(n: Notification): { content: string; embeds: unknown[] } {
  const { alert, transition } = n;
  const color =
    transition.action === 'resolved'
      ? DISCORD_COLOUR.resolved
      : alert.status === 'firing'
        ? DISCORD_COLOUR.firing
        : DISCORD_COLOUR.other;
  return {
    content: headline(n),
    embeds: [
      {
        title: `${alertName(alert)} (${alert.severity})`,
        description: detailLines(n).join('\n'),
        color,
        timestamp: new Date(transition.at).toISOString(),
        fields: Object.entries(alert.labels)
          .slice(0, 25)
          .map(([name, value]) => ({ name, value: value || '-', inline: true })),
      },
    ],
  };
}

export function emailBody(n: Notification): { subject: string; text: string } {
  return { subject: headline(n), text: `${headline(n)}\n\n${detailLines(n).join('\n')}\n` };
}
