/**
 * Ordered shutdown. Components register a closer under a stage; `close()` runs the stages in the order
 * below (each stage's closers concurrently) and is safe to call any number of times: every caller gets
 * the same promise. A closer that throws is logged and the shutdown goes on.
 */
export const stages = ['http', 'timers', 'workers', 'queues', 'flush', 'redis', 'managed'] as const;
export type Stage = (typeof stages)[number];

type Closer = () => Promise<void> | void;

export class Lifecycle {
  private readonly closers = new Map<Stage, Closer[]>();
  private closing: Promise<void> | undefined;

  constructor(private readonly onError: (stage: Stage, err: unknown) => void = () => {}) {}

  add(stage: Stage, closer: Closer): void {
    const list = this.closers.get(stage) ?? [];
    list.push(closer);
    this.closers.set(stage, list);
  }

  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.run();
    return this.closing;
  }

  private async run(): Promise<void> {
    for (const stage of stages) {
      const list = this.closers.get(stage) ?? [];
      // Later registrations close first within a stage, like a stack of resources.
      await Promise.all(
        [...list].reverse().map(async (closer) => {
          try {
            await closer();
          } catch (err: unknown) {
            this.onError(stage, err);
          }
        }),
      );
    }
  }
}
