import { useState } from 'preact/hooks';
import { idFromName } from '../../../src/contract/org-id.ts';
import { api, messageOf } from '../api/client.ts';
import type { CreatedOrg, OrgList, OrgSummary } from '../api/types.ts';
import { CopyBlock, Notice } from '../components/notice.tsx';
import { formatDateTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';

/**
 * Orgs (operator scope): list with host counts, create with a first admin token shown once, delete
 * with everything the org holds after a confirmation.
 */
export function OrgsPage() {
  const orgs = useAsync((signal) => api<OrgList>('/api/v1/orgs', { signal }), []);
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [created, setCreated] = useState<CreatedOrg | undefined>(undefined);
  const [status, setStatus] = useState<{ kind: 'error' | 'success'; text: string } | undefined>(undefined);
  const orgId = id.trim() || idFromName(name);

  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const made = await api<CreatedOrg>('/api/v1/orgs', {
        method: 'POST',
        body: { id: orgId, name: name.trim() },
      });
      setCreated(made);
      setStatus(undefined);
      setName('');
      setId('');
      orgs.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };
  const remove = async (org: OrgSummary) => {
    const question =
      `Delete org "${org.name}" (${org.id}) with its tokens, ${org.hosts} host(s) and all their data? ` +
      'This cannot be undone.';
    if (!window.confirm(question)) return;
    try {
      await api(`/api/v1/orgs/${encodeURIComponent(org.id)}`, { method: 'DELETE' });
      setStatus({ kind: 'success', text: `Deleted org "${org.name}".` });
      if (created?.org.id === org.id) setCreated(undefined);
      orgs.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Orgs</h1>
      </div>
      <form class="card form-grid" onSubmit={create} aria-label="Create an org">
        <h2>Create an org</h2>
        <div class="field">
          <label for="org-name">Name</label>
          <input
            id="org-name"
            required
            maxLength={200}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            placeholder="Acme Corp"
          />
        </div>
        <div class="field">
          <label for="org-id">Id</label>
          <input
            id="org-id"
            maxLength={128}
            value={id}
            onInput={(e) => setId(e.currentTarget.value)}
            placeholder={idFromName(name) || 'acme-corp'}
            aria-describedby="org-id-help"
          />
          <p id="org-id-help" class="muted small">
            Letters, digits, ".", "_" or "-"; never reused once the org is deleted.
          </p>
        </div>
        <div class="actions">
          <button type="submit" class="button primary" disabled={!name.trim() || !orgId}>
            Create org
          </button>
        </div>
      </form>
      {created && (
        <section class="card" aria-labelledby="created-org-title">
          <h2 id="created-org-title">Org "{created.org.name}" created</h2>
          <Notice kind="success">
            Its admin token: copy it now, it is shown only this once. Whoever holds it manages org{' '}
            <code>{created.org.id}</code> (hosts, tokens, alerts) and sees its data only.
          </Notice>
          <CopyBlock text={created.token.token} label="The new org's admin token" />
        </section>
      )}
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {orgs.error && <Notice kind="error">Could not load orgs: {orgs.error}</Notice>}
      {(orgs.data?.deleting ?? []).map((o) => (
        <Notice kind="error" key={o.id}>
          Deleting org "{o.name}" ({o.id}) did not finish: delete it again.
        </Notice>
      ))}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Hosts</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(orgs.data?.orgs ?? []).map((o) => (
              <tr key={o.id} data-org={o.id}>
                <th scope="row">{o.name}</th>
                <td>
                  <code>{o.id}</code>
                </td>
                <td>{o.hosts}</td>
                <td>{formatDateTime(o.createdAt)}</td>
                <td class="row-actions">
                  {o.id === 'default' ? (
                    <span class="muted small">holds the operator token</span>
                  ) : (
                    <button
                      type="button"
                      class="button small danger"
                      onClick={() => remove(o)}
                      aria-label={`Delete ${o.name}`}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
