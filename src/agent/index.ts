// The push agent's public surface. It depends on nothing of the server's: only `src/contract` and Node.
export { Agent, type AgentExit, type AgentOptions } from './agent.ts';
export { type BackoffOptions, parseRetryAfter, retryDelay } from './backoff.ts';
export { type Collector, type CollectorContext, defaultContext, MetricSink } from './collector.ts';
export { defaultCollectors } from './collectors/index.ts';
export { agentCommand } from './command.ts';
export { Delivery, type DeliveryOptions, type DeliveryStats, type SendBatch } from './delivery.ts';
export { checkHealth, EXIT, type HealthCheck } from './health.ts';
export { classify, type IngestTarget, type Outcome, postIngest } from './ingest-client.ts';
export { type LocalAgent, type LocalAgentOptions, startLocalAgent } from './local.ts';
export { type AgentLogger, jsonLogger, silentLogger } from './logger.ts';
export { CounterSet, counterDelta, counterRate } from './rate.ts';
export { Sampler } from './sampler.ts';
export {
  AGENT_SETTINGS,
  type AgentFlags,
  type AgentSettings,
  defaultHostId,
  resolveSettings,
} from './settings.ts';
export { Spool, type SpooledBatch } from './spool.ts';
