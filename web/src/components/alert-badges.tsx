import type { AlertStatus, Severity } from '../../../src/alerts/contract.ts';
import { useAlertSummary } from '../api/alerts.ts';
import '../styles/alerts.css';
import { SEVERITY_TEXT, STATUS_TEXT } from './alert-text.ts';
import { Link } from './link.tsx';

export function SeverityBadge({ severity }: { readonly severity: Severity }) {
  return <span class={`badge sev-${severity}`}>{SEVERITY_TEXT[severity]}</span>;
}

export function AlertStatusBadge({ status }: { readonly status: AlertStatus }) {
  return <span class={`badge alert-${status}`}>{STATUS_TEXT[status]}</span>;
}

/**
 * A host's firing alerts, counted by severity (from the summary every badge shares), as a link to the
 * Alerts page filtered by the host. Nothing when none fires.
 */
export function HostAlertBadges(props: { readonly host: string; readonly name?: string }) {
  const summary = useAlertSummary();
  const counts = summary?.firingByHost?.[props.host];
  const critical = counts?.critical ?? 0;
  const warning = counts?.warning ?? 0;
  if (critical + warning === 0) return null;
  const parts = [critical > 0 ? `${critical} critical` : '', warning > 0 ? `${warning} warning` : ''];
  return (
    <Link
      href={`/alerts?host=${encodeURIComponent(props.host)}`}
      class="alert-badges"
      label={`${props.name ?? props.host}: ${parts.filter(Boolean).join(', ')} alerts firing`}
    >
      {critical > 0 && <span class="badge sev-critical">{critical} critical</span>}
      {warning > 0 && <span class="badge sev-warning">{warning} warning</span>}
    </Link>
  );
}

/** The count of firing alerts next to "Alerts" in the navigation. */
export function NavAlertBadge() {
  const summary = useAlertSummary();
  const firing = summary?.byStatus?.firing ?? 0;
  if (firing === 0) return null;
  const critical = Object.values(summary?.firingByHost ?? {}).some((c) => (c.critical ?? 0) > 0);
  return (
    <span class={`nav-count${critical ? ' nav-count-critical' : ''}`} data-firing={firing}>
      {firing}
      <span class="sr-only"> firing</span>
    </span>
  );
}
