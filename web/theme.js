// Applies the saved color theme before the first paint (a classic script in
// <head>, so there is no flash of the wrong theme). app.js owns the toggle.
try {
  const theme = localStorage.getItem('inkread.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {
  // Storage disabled: follow prefers-color-scheme.
}
