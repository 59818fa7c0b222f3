// Runs first: a classic script at the end of <head>, before the first paint.
// - Applies the saved color theme, so there is no flash of the wrong one
//   (app.js owns the toggle).
// - Starts compiling the core WASM module (SIMD build) as soon as index.html's
//   preload has it, while the page's modules load; app.js takes it
//   (window.inkreadCore) when it runs the SIMD build, else compiles the
//   baseline build itself (an engine without SIMD fails this compile).
try {
  const theme = localStorage.getItem('inkread.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {
  // Storage disabled: follow prefers-color-scheme.
}
if (typeof WebAssembly === 'object' && WebAssembly.compileStreaming) {
  window.inkreadCore = WebAssembly.compileStreaming(fetch('inkread_core_simd.wasm'));
  window.inkreadCore.catch(() => {});
}
