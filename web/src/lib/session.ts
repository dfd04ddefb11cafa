/**
 * The signed-in token, kept in sessionStorage: it lives as long as the tab, is never written to
 * localStorage or a cookie, and is sent only as an Authorization header to this origin.
 */
const KEY = 'vitals.token';

type Listener = (token: string | undefined) => void;
const listeners = new Set<Listener>();

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be disabled (privacy settings): the session then lasts until reload.
    return undefined;
  }
}

let memory: string | undefined = storage()?.getItem(KEY) ?? undefined;

export function getToken(): string | undefined {
  return memory;
}

export function signIn(token: string): void {
  memory = token;
  storage()?.setItem(KEY, token);
  for (const listener of listeners) listener(token);
}

export function signOut(): void {
  memory = undefined;
  storage()?.removeItem(KEY);
  for (const listener of listeners) listener(undefined);
}

/** Calls `listener` on every sign-in and sign-out; returns its remover. */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
