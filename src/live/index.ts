// Live updates: Redis pub/sub fan-out of hosts' newest values to every process' SSE clients.
// The public surface; other folders import only this file.
export { LiveHub, type LiveListener } from './hub.ts';
export { createLive, type Live, type LiveDeps } from './live.ts';
export {
  type HostChangeKind,
  LiveConnectionEvent,
  LiveEvent,
  LiveSample,
  liveChannel,
} from './message.ts';
export { LIVE_METRICS, LivePublisher, type NewestSource } from './publisher.ts';
export { type SseOptions, SseStream } from './sse.ts';
export { LiveTickets, TICKET_PREFIX, type TicketHolder } from './tickets.ts';
