import type { Notification } from '../contract.ts';

/** `alertname` of the notification `POST /api/v1/alerts/channels/:id/test` sends. */
export const TEST_ALERT_NAME = 'VitalsTestNotification';

/** A firing warning that no rule raised, to check a channel end to end. */
export function testNotification(org: string, channelId: string, now: number): Notification {
  const id = `test-${channelId}-${now}`;
  return {
    alert: {
      id,
      org,
      ruleId: 'test',
      instance: 'test',
      host: 'vitals',
      status: 'firing',
      severity: 'warning',
      labels: { alertname: TEST_ALERT_NAME, severity: 'warning', host: 'vitals', channel: channelId },
      annotations: { summary: 'Test notification from Vitals: this channel works.' },
      value: null,
      threshold: 0,
      startedAt: now,
      firedAt: now,
      flapping: false,
      stale: false,
      silencedBy: [],
      updatedAt: now,
    },
    transition: { alertId: id, org, seq: 1, action: 'firing', from: null, to: 'firing', at: now },
  };
}
