// A table wider than the screen scrolls inside its own box (Radix's ScrollArea): that box takes keyboard
// focus, so the arrow keys scroll it (axe-core "scrollable-region-focusable").
(() => {
  const focusable = () => document.querySelectorAll(".rt-TableRoot .rt-ScrollAreaViewport:not([tabindex])")
    .forEach((box) => { box.tabIndex = 0; });
  new MutationObserver(focusable).observe(document.documentElement, { childList: true, subtree: true });
  focusable();
})();
