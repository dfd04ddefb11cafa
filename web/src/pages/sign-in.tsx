import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, messageOf } from '../api/client.ts';
import { Notice } from '../components/notice.tsx';
import { signIn } from '../lib/session.ts';

/**
 * Sign-in with an API token (read scope at least; admin to manage hosts and tokens). The token is
 * checked against the API before it is kept, in sessionStorage only.
 */
export function SignIn() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api('/api/v1/overview', { token: value });
      signIn(value);
    } catch (err: unknown) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'This token is not valid (unknown or revoked).'
          : messageOf(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Vitals</h1>
        <p class="muted">
          Paste an API token with the <code>read</code> scope (or <code>admin</code> to manage hosts and
          tokens). The first admin token is printed once when the server starts for the first time, or set
          with <code>VITALS_ADMIN_TOKEN</code>.
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          ref={input}
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby={error ? 'sign-in-error' : undefined}
        />
        <p class="muted small">Kept for this browser tab only (session storage).</p>
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <div id="sign-in-error">
            <Notice kind="error">{error}</Notice>
          </div>
        )}
      </form>
    </main>
  );
}
