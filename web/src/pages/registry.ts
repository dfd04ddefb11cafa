import type { ComponentType } from 'preact';
import type { Scope } from '../api/types.ts';
import { matchPath } from '../router.ts';

export interface PageProps {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/**
 * A page of the dashboard. New pages (alerts, Redis, events…) add a file under pages/ and one
 * `registerPage` call in pages/index.ts; the shell builds its navigation and routing from this list.
 */
export interface PageDef {
  readonly id: string;
  /** `/`, `/queue`, `/hosts/:id`… */
  readonly path: string;
  /** Document title (a function for pages with parameters). */
  readonly title: string | ((params: Readonly<Record<string, string>>) => string);
  /** Shown in the navigation when set, in `order`. */
  readonly nav?: { readonly label: string; readonly order: number };
  /** In the navigation only for a token with this scope (the API refuses the others anyway). */
  readonly requires?: Scope;
  readonly component: ComponentType<PageProps>;
}

const pages: PageDef[] = [];

export function registerPage(page: PageDef): void {
  if (pages.some((p) => p.id === page.id)) throw new Error(`page ${page.id} registered twice`);
  pages.push(page);
}

/** The navigation for a token with these scopes. */
export function navPages(scopes: readonly Scope[]): PageDef[] {
  return pages
    .filter((p) => p.nav && (p.requires === undefined || scopes.includes(p.requires)))
    .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
}

export function resolvePage(path: string): { page: PageDef; params: Record<string, string> } | undefined {
  for (const page of pages) {
    const params = matchPath(page.path, path);
    if (params) return { page, params };
  }
  return undefined;
}

export function titleOf(page: PageDef, params: Readonly<Record<string, string>>): string {
  return typeof page.title === 'function' ? page.title(params) : page.title;
}
