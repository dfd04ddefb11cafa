import { useState } from 'preact/hooks';
import {
  type AlertRule,
  createRule,
  deleteRule,
  loadRule,
  loadRules,
  patchOf,
  type RuleInput,
  updateRule,
} from '../api/alerts.ts';
import { ApiError, messageOf } from '../api/client.ts';
import { SeverityBadge } from '../components/alert-badges.tsx';
import { formatMs } from '../components/alert-text.ts';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import { RuleForm } from '../components/rule-form.tsx';
import { ruleSentence } from '../components/rule-form-model.ts';
import { useAsync } from '../lib/use-async.ts';
import { navigate } from '../router.ts';
import '../styles/alerts.css';
import type { PageProps } from './registry.ts';

type Status = { kind: 'error' | 'success'; text: string } | undefined;

/** Rules: built-in defaults (changed or disabled, never deleted) and the org's own; enable, disable, delete. */
export function AlertRulesPage() {
  const rules = useAsync(loadRules, []);
  const [status, setStatus] = useState<Status>(undefined);

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setStatus({ kind: 'success', text: done });
      rules.reload();
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };
  const remove = (rule: AlertRule) => {
    if (!window.confirm(`Delete the rule "${rule.name}"? Its open alerts stay until they resolve.`)) return;
    void run(() => deleteRule(rule.id), `Deleted "${rule.name}".`);
  };
  const list = [...(rules.data ?? [])].sort(
    (a, b) => Number(Boolean(b.builtIn)) - Number(Boolean(a.builtIn)) || a.name.localeCompare(b.name),
  );

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Alert rules</h1>
        <Link href="/alerts/rules/new" class="button primary">
          New rule
        </Link>
        <p class="muted">
          <Link href="/alerts">Alerts</Link> · <Link href="/silences">Silences</Link>
        </p>
      </div>
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {rules.error && <Notice kind="error">Could not load rules: {rules.error}</Notice>}
      {rules.data && list.length === 0 && <p class="muted">No rules.</p>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table class="rules">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Condition</th>
                <th scope="col">For</th>
                <th scope="col">Severity</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((rule) => (
                <tr key={rule.id} data-rule={rule.id} class={rule.enabled ? '' : 'disabled'}>
                  <th scope="row">
                    <Link href={`/alerts/rules/${encodeURIComponent(rule.id)}`}>{rule.name}</Link>
                    {rule.builtIn && (
                      <span class="badge builtin" title={`Built-in default (${rule.builtIn})`}>
                        Built-in
                      </span>
                    )}
                    <span class="muted small block">{rule.id}</span>
                  </th>
                  <td>
                    <code>{ruleSentence(rule)}</code>
                  </td>
                  <td>{formatMs(rule.forMs)}</td>
                  <td>
                    <SeverityBadge severity={rule.severity} />
                  </td>
                  <td>{rule.enabled ? 'Enabled' : 'Disabled'}</td>
                  <td class="row-actions">
                    <button
                      type="button"
                      class="button small"
                      aria-label={`${rule.enabled ? 'Disable' : 'Enable'} ${rule.name}`}
                      onClick={() =>
                        run(
                          () => updateRule(rule.id, { enabled: !rule.enabled }),
                          `${rule.enabled ? 'Disabled' : 'Enabled'} "${rule.name}".`,
                        )
                      }
                    >
                      {rule.enabled ? 'Disable' : 'Enable'}
                    </button>
                    {!rule.builtIn && (
                      <button
                        type="button"
                        class="button small danger"
                        aria-label={`Delete ${rule.name}`}
                        onClick={() => remove(rule)}
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
      )}
    </>
  );
}

async function ruleOrNull(id: string, signal: AbortSignal): Promise<AlertRule | null> {
  try {
    return await loadRule(id, signal);
  } catch (err: unknown) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** `/alerts/rules/new` and `/alerts/rules/:id`: the rule editor with its live preview. */
export function AlertRulePage({ params, query }: PageProps) {
  const id = params.id;
  const rule = useAsync((signal) => (id ? ruleOrNull(id, signal) : Promise.resolve(null)), [id]);
  const [status, setStatus] = useState<Status>(undefined);

  const save = async (input: RuleInput) => {
    try {
      const saved = rule.data ? await updateRule(rule.data.id, patchOf(input)) : await createRule(input);
      rule.set(() => saved);
      setStatus({ kind: 'success', text: `Saved "${saved.name}".` });
      // A new rule gets its own address (the page opens again there, saying it was saved).
      if (!id) navigate(`/alerts/rules/${encodeURIComponent(saved.id)}?saved=1`, { replace: true });
    } catch (err: unknown) {
      setStatus({ kind: 'error', text: messageOf(err) });
    }
  };
  const title = id ? (rule.data?.name ?? id) : 'New rule';

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>{title}</h1>
        {rule.data?.builtIn && <span class="badge builtin">Built-in default</span>}
        <p class="muted">
          <Link href="/alerts/rules">All rules</Link>
          {rule.data && (
            <>
              {' · '}
              <Link href={`/alerts?rule=${encodeURIComponent(rule.data.id)}`}>its alerts</Link>
            </>
          )}
        </p>
      </div>
      {status && <Notice kind={status.kind}>{status.text}</Notice>}
      {!status && query.get('saved') && rule.data && (
        <Notice kind="success">Saved "{rule.data.name}".</Notice>
      )}
      {rule.error && <Notice kind="error">Could not load the rule: {rule.error}</Notice>}
      {id && rule.data === null && (
        <Notice kind="info">
          There is no rule <code>{id}</code>. <Link href="/alerts/rules">All rules</Link>
        </Notice>
      )}
      {(!id || rule.data) && (
        <RuleForm
          key={rule.data?.updatedAt ?? 'new'}
          rule={rule.data ?? undefined}
          onSubmit={save}
          onCancel={() => navigate('/alerts/rules')}
        />
      )}
    </>
  );
}
