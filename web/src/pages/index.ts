import { AlertRulePage, AlertRulesPage } from './alert-rules.tsx';
import { AlertsPage } from './alerts.tsx';
import { ConnectionsPage } from './connections.tsx';
import { HostPage } from './host.tsx';
import { HostsPage } from './hosts.tsx';
import { OrgsPage } from './orgs.tsx';
import { OverviewPage } from './overview.tsx';
import { QueuePage } from './queue.tsx';
import { RedisPage } from './redis.tsx';
import { registerPage } from './registry.ts';
import { SilencesPage } from './silences.tsx';
import { SystemPage } from './system.tsx';
import { TokensPage } from './tokens.tsx';

/**
 * Every page of the dashboard. A new page (alerts, Redis monitoring, events) is one file under pages/
 * and one entry here; `nav.order` places it in the navigation.
 */
export function registerPages(): void {
  registerPage({
    id: 'overview',
    path: '/',
    title: 'Overview',
    nav: { label: 'Overview', order: 10 },
    component: OverviewPage,
  });
  registerPage({ id: 'host', path: '/hosts/:id', title: (p) => p.id ?? 'Host', component: HostPage });
  registerPage({
    id: 'redis',
    path: '/redis/:id',
    title: (p) => `Redis · ${p.id ?? ''}`,
    component: RedisPage,
  });
  registerPage({
    id: 'alerts',
    path: '/alerts',
    title: 'Alerts',
    nav: { label: 'Alerts', order: 30 },
    component: AlertsPage,
  });
  registerPage({ id: 'alert-rules', path: '/alerts/rules', title: 'Alert rules', component: AlertRulesPage });
  // Before `/alerts/rules/:id`, which would match it too.
  registerPage({
    id: 'alert-rule-new',
    path: '/alerts/rules/new',
    title: 'New rule',
    component: AlertRulePage,
  });
  registerPage({
    id: 'alert-rule',
    path: '/alerts/rules/:id',
    title: (p) => `Rule · ${p.id ?? ''}`,
    component: AlertRulePage,
  });
  registerPage({
    id: 'silences',
    path: '/silences',
    title: 'Silences',
    nav: { label: 'Silences', order: 35 },
    component: SilencesPage,
  });
  registerPage({
    id: 'connections',
    path: '/connections',
    title: 'Connections',
    nav: { label: 'Connections', order: 55 },
    component: ConnectionsPage,
  });
  registerPage({
    id: 'system',
    path: '/system',
    title: 'System',
    nav: { label: 'System', order: 60 },
    component: SystemPage,
  });
  registerPage({
    id: 'queue',
    path: '/queue',
    title: 'Collection queue',
    nav: { label: 'Queue', order: 50 },
    component: QueuePage,
  });
  registerPage({
    id: 'hosts',
    path: '/settings/hosts',
    title: 'Hosts',
    nav: { label: 'Hosts', order: 80 },
    component: HostsPage,
  });
  registerPage({
    id: 'tokens',
    path: '/settings/tokens',
    title: 'Tokens',
    nav: { label: 'Tokens', order: 90 },
    component: TokensPage,
  });
  registerPage({
    id: 'orgs',
    path: '/settings/orgs',
    title: 'Orgs',
    nav: { label: 'Orgs', order: 95 },
    requires: 'operator',
    component: OrgsPage,
  });
}
