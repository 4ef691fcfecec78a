/* Keyboard and screen-reader fixes for ipywidgets on the course's pages.
 *
 * ipywidgets' RadioButtons renders inputs without a shared `name`, so the browser
 * treats every option as its own group: Tab visits each option and arrow keys do
 * nothing. Here each radio box becomes one named group (Tab enters it once, arrow
 * keys choose, as in any form), with role="radiogroup" and the widget's visible
 * label as its accessible name. Choosing still fires the click ipywidgets listens to.
 */
(function () {
  "use strict";
  var counter = 0;
  function fixRadioGroups(root) {
    var boxes = (root.querySelectorAll ? root : document).querySelectorAll(".widget-radio-box:not([data-course-group])");
    boxes.forEach(function (box) {
      counter += 1;
      var group = "course-radio-" + counter;
      box.setAttribute("data-course-group", group);
      box.setAttribute("role", "radiogroup");
      var label = box.parentElement && box.parentElement.querySelector(":scope > .widget-label");
      if (label) {
        label.id = label.id || group + "-label";
        box.setAttribute("aria-labelledby", label.id);
      }
      nameInputs(box);
    });
    document.querySelectorAll(".widget-radio-box[data-course-group]").forEach(nameInputs);
  }
  function nameInputs(box) {
    var group = box.getAttribute("data-course-group");
    box.querySelectorAll('input[type="radio"]').forEach(function (input) {
      if (input.name !== group) { input.name = group; }
    });
  }
  var scheduled = false;
  var observer = new MutationObserver(function () {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; fixRadioGroups(document); });
  });
  function start() {
    fixRadioGroups(document);
    observer.observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
