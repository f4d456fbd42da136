// The explorer frame the sliders point at: the mixed radix of
// vglib.book.explorer.Explorer.frame_index (read by tests/browser/test_lite.py
// and tests/lab/test_jupyterlab.py).
(root) => {
  let index = 0;
  for (const h of root.querySelectorAll('.noUi-handle')) {
    const n = Math.round(+h.getAttribute('aria-valuemax')) + 1;
    index = index * n + Math.round(+h.getAttribute('aria-valuenow'));
  }
  return 'vgx-frame-' + index;
}