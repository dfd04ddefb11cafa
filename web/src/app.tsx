import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api/client.ts';
import { live, useLiveStatus } from './api/live.ts';
import type { Scope } from './api/types.ts';
import { NavAlertBadge } from './components/alert-badges.tsx';
import { Link } from './components/link.tsx';
import { getToken, onSessionChange, signOut } from './lib/session.ts';
import { setTheme, type ThemeChoice, themeChoice } from './lib/theme.ts';
import { navPages, resolvePage, titleOf } from './pages/registry.ts';
import { SignIn } from './pages/sign-in.tsx';
import { useLocation } from './router.ts';

const LIVE_TEXT = { live: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;

function ThemeSelect() {
  const [choice, setChoice] = useState<ThemeChoice>(themeChoice());
  const change = (value: string) => {
    const next: ThemeChoice = value === 'light' || value === 'dark' ? value : 'system';
    setChoice(next);
    setTheme(next);
  };
  return (
    <>
      <label for="theme" class="sr-only">
        Theme
      </label>
      <select id="theme" value={choice} onChange={(e) => change(e.currentTarget.value)}>
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </>
  );
}

/** The signed-in token's scopes, asked once per token (none until known: pages needing one stay hidden). */
function useScopes(token: string | undefined): readonly Scope[] {
  const [scopes, setScopes] = useState<readonly Scope[]>([]);
  useEffect(() => {
    setScopes([]);
    if (!token) return undefined;
    const controller = new AbortController();
    api<{ scopes: Scope[] }>('/api/v1/me', { signal: controller.signal }).then(
      (me) => setScopes(me.scopes),
      () => undefined,
    );
    return () => controller.abort();
  }, [token]);
  return scopes;
}

function Header({ path, scopes }: { readonly path: string; readonly scopes: readonly Scope[] }) {
  const status = useLiveStatus();
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Link href="/" class="brand" label="Vitals overview">
        Vitals
      </Link>
      <nav aria-label="Main">
        {navPages(scopes).map((p) => (
          <Link key={p.id} href={p.path} current={p.path === path}>
            {p.nav?.label ?? p.id}
            {p.id === 'alerts' && <NavAlertBadge />}
          </Link>
        ))}
      </nav>
      <span class={`live live-${status}`} role="status" title="Live updates over server-sent events">
        {LIVE_TEXT[status]}
      </span>
      <ThemeSelect />
      <button type="button" class="button small" onClick={signOut}>
        Sign out
      </button>
    </header>
  );
}

/** The shell: sign-in until there is a token, then header, navigation and the page the path names. */
export function App() {
  const [token, setToken] = useState(getToken());
  const scopes = useScopes(token);
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(location.path);
  useEffect(() => onSessionChange(setToken), []);
  useEffect(() => {
    if (token) live.start();
    else live.stop();
  }, [token]);
  const match = resolvePage(location.path);
  const title = match ? titleOf(match.page, match.params) : 'Not found';
  useEffect(() => {
    document.title = token ? `${title} · Vitals` : 'Sign in · Vitals';
    // After navigation (not on first load: Tab must reach the skip link first), focus goes to the page's
    // heading so keyboard and screen-reader users start there.
    if (firstPath.current === location.path) return;
    firstPath.current = '';
    main.current?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  }, [location.path, token]);

  if (!token) return <SignIn />;
  const Page = match?.page.component;
  const params = match?.params ?? {};
  return (
    <>
      <Header path={location.path} scopes={scopes} />
      <main id="main" ref={main} tabIndex={-1}>
        {Page ? (
          <Page key={location.path} params={params} query={location.query} />
        ) : (
          <>
            <h1 tabIndex={-1}>Page not found</h1>
            <p>
              Nothing lives at <code>{location.path}</code>. <Link href="/">Back to the overview</Link>
            </p>
          </>
        )}
      </main>
    </>
  );
}
