/** The org of system events (Vitals' own Redis): the default org, whose admins run the server. */
export const DEFAULT_EVENT_ORG = 'default';
