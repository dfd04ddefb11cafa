import { useState } from 'preact/hooks';
import { api, messageOf } from '../api/client.ts';
import type { CreatedToken } from '../api/types.ts';
import { CopyBlock, Notice } from './notice.tsx';

/**
 * The empty state: the exact command that starts an agent reporting to this server. With an admin
 * token the viewer can create an ingest-only token for it right here (shown once).
 */
export function AgentHelp() {
  const [token, setToken] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const command = `npx vitals agent --server ${window.location.origin} --token ${token ?? '<ingest-token>'}`;

  const create = async () => {
    setError(undefined);
    try {
      const created = await api<CreatedToken>('/api/v1/tokens', {
        method: 'POST',
        body: { name: `agent ${new Date().toISOString().slice(0, 10)}`, scopes: ['ingest'] },
      });
      setToken(created.token);
    } catch (err: unknown) {
      setError(`Could not create a token: ${messageOf(err)}`);
    }
  };

  return (
    <section class="card empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No hosts yet</h2>
      <p>Start an agent on each machine to watch; it appears here within seconds:</p>
      <CopyBlock text={command} label="Command to start an agent" />
      {token ? (
        <Notice kind="success">This ingest token is shown once: copy the command now.</Notice>
      ) : (
        <p>
          The agent needs a token with the <code>ingest</code> scope.{' '}
          <button type="button" class="button small" onClick={create}>
            Create an ingest token
          </button>
        </p>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <p class="muted small">
        The token can also come from <code>VITALS_AGENT_TOKEN</code> or <code>--token-file</code>, which keeps
        it out of <code>ps</code>. Hosts without an agent can be collected over SSH, Prometheus or Redis from
        Settings → Hosts.
      </p>
    </section>
  );
}
