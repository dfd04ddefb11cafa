/**
 * What the overview calls each host: its display name, or `name (id)` where two hosts share a name,
 * so hosts with the same name are told apart (in the link, its accessible name and chart labels).
 */
export function displayNames(
  hosts: readonly { readonly id: string; readonly name: string }[],
): Map<string, string> {
  const count = new Map<string, number>();
  for (const h of hosts) count.set(h.name, (count.get(h.name) ?? 0) + 1);
  return new Map(hosts.map((h) => [h.id, (count.get(h.name) ?? 0) > 1 ? `${h.name} (${h.id})` : h.name]));
}
