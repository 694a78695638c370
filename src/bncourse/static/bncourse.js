/* Loaded before require.js and the ipywidgets HTML manager (bncourse.sphinx_ext). */
(function () {
  "use strict";
  // 1. The HTML manager's webpack chunks (Font Awesome files) are found next to its AMD module,
  //    whose address require.js derives from the module name; map that name to the vendored
  //    copy in _static, from any folder depth. A global `require` object before require.js
  //    loads is read by require.js as its configuration.
  var root = (document.documentElement.dataset.content_root || "./");
  if (typeof window.require === "undefined") {
    window.require = { paths: { "@jupyter-widgets/html-manager/dist": root + "_static/vendor/html-manager/dist" } };
  }
  // 2. ipywidgets' typeset() calls MathJax 2's MathJax.Hub.Queue whenever window.MathJax exists;
  //    the site uses MathJax 3. Give it a Hub that typesets the element with MathJax 3.
  function shim() {
    var mj = window.MathJax;
    if (mj && !(mj.Hub && mj.Hub.Queue)) {
      mj.Hub = {
        Queue: function (cmd) {
          var el = cmd && cmd[2];
          var m = window.MathJax;
          if (m && typeof m.typesetPromise === "function") {
            m.typesetPromise(el ? [el] : undefined).catch(function () {});
          }
        },
      };
    }
  }
  shim();
  document.addEventListener("DOMContentLoaded", shim);
  window.addEventListener("load", shim, true);
})();
