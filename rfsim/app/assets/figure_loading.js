// The planning page's figures come by address, after the verdict's reply
// (rfsim/app/callbacks.py, figure_src): until the new picture is loaded the
// browser keeps showing the old one, so it is dimmed meanwhile, as the
// loading overlay dims it while a reply is awaited.
(function () {
  "use strict";
  var DIMMED = "0.55";
  function undim(e) {
    if (e.target.tagName === "IMG" && e.target.style.opacity === DIMMED) {
      e.target.style.opacity = "";
    }
  }
  document.addEventListener("load", undim, true);
  document.addEventListener("error", undim, true);
  new MutationObserver(function (changes) {
    changes.forEach(function (c) {
      if (c.target.tagName === "IMG" && c.target.getAttribute("src") && !c.target.complete) {
        c.target.style.opacity = DIMMED;
      }
    });
  }).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ["src"]});
})();
