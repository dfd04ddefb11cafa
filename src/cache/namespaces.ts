/** The cache namespace of an org's overview: written by the overview route, dropped by every writer. */
export function overviewNamespace(org: string): string {
  return `${org}:overview`;
}
