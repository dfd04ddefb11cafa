// Notification channels, quiet hours and exactly-once delivery (docs/alerts.md "Channels", "Exactly once").
export { DELIVER_QUEUE, deliveryJobId, deliveryKey, isDeliveryJobOf } from './catalog.ts';
export { channelTakes, maskChannel } from './channel-input.ts';
export {
  CHANNEL_KINDS,
  Channel,
  ChannelCreate,
  type ChannelKind,
  ChannelPatch,
  LabelMatcher,
  QuietHours,
} from './channel-schema.ts';
export { ChannelStore, type Sealer } from './channel-store.ts';
export { DELIVERY_STATUSES, type DeliveryRecord, type DeliveryStatus } from './deliveries.ts';
export { ChannelError } from './errors.ts';
export { type DeliveryFigures, deliveryCheck } from './figures.ts';
export { Notifier, type NotifierDeps } from './notifier.ts';
export { DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './options.ts';
export {
  ALERTMANAGER_FIRING_HOLD_MS,
  alertmanagerBody,
  discordBody,
  emailBody,
  slackBody,
  WEBHOOK_VERSION,
  webhookBody,
} from './payloads.ts';
export { quietUntil } from './quiet-hours.ts';
export { signature } from './senders.ts';
export { TEST_ALERT_NAME } from './test-notification.ts';
