// Orgs as the operator manages them: create with a first admin token, list, delete with all their data.
// The public surface; other folders import only this file.
export {
  OrgAdmin,
  type OrgAdminDeps,
  type OrgAdminOptions,
  type OrgDeletion,
  type OrgList,
  type OrgSummary,
} from './org-admin.ts';
export { type OrgDataDeps, type PurgeCounts, purgeOrgData } from './org-data.ts';
