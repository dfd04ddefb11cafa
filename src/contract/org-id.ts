/**
 * An org id made from a display name, as `vitals org create` and the dashboard suggest one:
 * `Acme Corp` → `acme-corp`. Empty when nothing usable is left (the caller asks for an id then).
 */
export function idFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 128);
}
