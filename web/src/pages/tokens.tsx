import { useState } from 'preact/hooks';
import { api, messageOf } from '../api/client.ts';
import type { CreatedToken, Scope, TokenInfo } from '../api/types.ts';
import { CopyBlock, Notice } from '../components/notice.tsx';
import { formatDateTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';

const SCOPES: ReadonlyArray<{ id: Scope; text: string }> = [
  { id: 'ingest', text: 'ingest: push metrics (agents)' },
  { id: 'read', text: 'read: dashboards and queries' },
  { id: 'admin', text: 'admin: everything, incl. hosts and tokens' },
];

/** Tokens: list (never a secret), create (the secret is shown once), revoke. Needs an admin token. */
export function TokensPage() {
  const tokens = useAsync((signal) => api<{ tokens: TokenInfo[] }>('/api/v1/tokens', { signal }), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [created, setCreated] = useState<CreatedToken | undefined>(undefined);
  const [status, setStatus] = useState<{ kind: 'error' | 'success'; text: string } | undefined>(undefined);

  const toggle = (scope: Scope, on: boolean) =>
    setScopes((s) => (on ? [...s, scope] : s.filter((x) => x !== scope)));
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const token = await api<CreatedToken>('/api/v1/tokens', {
        method: 'POST',
        body: { name: name.trim(), scopes },
      });
      setCreated(token);
      setStatus(undefined);
      setName('');
      tokens.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };
  const revoke = async (token: TokenInfo) => {
    if (!window.confirm(`Revoke "${token.name}"? Whatever uses it stops working at once.`)) return;
    try {
      await api(`/api/v1/tokens/${encodeURIComponent(token.id)}`, { method: 'DELETE' });
      setStatus({ kind: 'success', text: `Revoked "${token.name}".` });
      tokens.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Tokens</h1>
      </div>
      <form class="card form-grid" onSubmit={create} aria-label="Create a token">
        <h2>Create a token</h2>
        <div class="field">
          <label for="token-name">Name</label>
          <input
            id="token-name"
            required
            maxLength={200}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            placeholder="agent on web-1"
          />
        </div>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <div class="field checkbox" key={s.id}>
              <input
                id={`scope-${s.id}`}
                type="checkbox"
                checked={scopes.includes(s.id)}
                onChange={(e) => toggle(s.id, e.currentTarget.checked)}
              />
              <label for={`scope-${s.id}`}>{s.text}</label>
            </div>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit" class="button primary" disabled={scopes.length === 0 || !name.trim()}>
            Create token
          </button>
        </div>
      </form>
      {created && (
        <section class="card" aria-labelledby="created-title">
          <h2 id="created-title">Token "{created.name}" created</h2>
          <Notice kind="success">Copy it now: it is shown only this once and stored only as a hash.</Notice>
          <CopyBlock text={created.token} label="The new token" />
        </section>
      )}
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {tokens.error && <Notice kind="error">Could not load tokens: {tokens.error}</Notice>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(tokens.data?.tokens ?? []).map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td>{t.scopes.join(', ')}</td>
                <td>{formatDateTime(t.createdAt)}</td>
                <td>{formatDateTime(t.lastUsedAt)}</td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="button small danger"
                    onClick={() => revoke(t)}
                    aria-label={`Revoke ${t.name}`}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
