/** The cache namespace of an org's overview: written by the overview route, dropped by every writer. */
export function overviewNamespace(org: string): string {
  return `${org}:overview`;
}

/** The cache group of a host's query answers (one Redis HASH, dropped whole by a late write). */
export function queryGroup(org: string, host: string): string {
  return `${org}:q:${host}`;
}
