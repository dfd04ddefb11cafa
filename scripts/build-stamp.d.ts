// Types of build-stamp.js (plain JavaScript: npm start runs it before anything is installed).
export type BuildName = 'server' | 'web';

export interface BuildSpec {
  /** Files and folders, relative to the checkout, whose change makes the build stale. */
  readonly inputs: readonly string[];
  /** Where the build writes, relative to the checkout. */
  readonly output: string;
  /** A file of the output that must exist, relative to it. */
  readonly entry: string;
}

export const BUILDS: Readonly<Record<BuildName, BuildSpec>>;
export function sourceStamp(root: string, build: BuildName): string;
export function writeStamp(outputDir: string, stamp: string): void;
export function isStale(root: string, build: BuildName, outputDir?: string): boolean;
