/** Light, dark, or the system's choice; the choice is remembered in localStorage (it is no secret). */
export type ThemeChoice = 'light' | 'dark' | 'system';

const KEY = 'vitals.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<() => void>();

export function themeChoice(): ThemeChoice {
  const stored = safeGet();
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

/** The theme in effect now. */
export function effectiveTheme(): 'light' | 'dark' {
  const choice = themeChoice();
  if (choice !== 'system') return choice;
  return media.matches ? 'dark' : 'light';
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Not remembered; still applied below.
  }
  applyTheme();
}

/** Sets `data-theme` on <html>, which the style sheet's colour variables follow. */
export function applyTheme(): void {
  document.documentElement.dataset.theme = effectiveTheme();
  for (const listener of listeners) listener();
}

/** Called whenever the effective theme may have changed (charts redraw their colours). */
export function onThemeChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

media.addEventListener('change', applyTheme);

function safeGet(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}
