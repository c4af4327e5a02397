// Light and dark themes: "auto" follows prefers-color-scheme; the toggle pins light or dark and is
// remembered in localStorage. The choice is a data-theme attribute on <html>, read by styles.css.

export type ThemeChoice = 'auto' | 'light' | 'dark';
const KEY = 'mount-status.theme';
const ORDER: ThemeChoice[] = ['auto', 'light', 'dark'];

function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto'; // storage can be unavailable (opaque origins); the theme still works for the session
  }
}

function applyTheme(choice: ThemeChoice, button?: HTMLButtonElement): void {
  if (choice === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  try {
    localStorage.setItem(KEY, choice);
  } catch {
    // see storedTheme
  }
  if (button) {
    button.textContent = `Theme: ${choice}`;
    button.setAttribute('aria-label', `Colour theme: ${choice === 'auto' ? 'follow the system' : choice}. Activate to change.`);
  }
}

export function installThemeToggle(button: HTMLButtonElement): void {
  let choice = storedTheme();
  applyTheme(choice, button);
  button.addEventListener('click', () => {
    choice = ORDER[(ORDER.indexOf(choice) + 1) % ORDER.length]!;
    applyTheme(choice, button);
  });
}
