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

/* Nothing typed is lost when the tab is closed or hidden.
 *
 * Some text fields send their value to the kernel only when they are left (the plan's, so that
 * "Add" never overtakes the end of the text), and ipywidgets holds back a field's newer value
 * while its previous message is unanswered. When the page is hidden or closed, the field being
 * typed in reports its value now (a "change" event, as leaving it would), and every value held
 * back is sent at once; the kernel then saves them, even after the page has gone (a closed tab's
 * kernel is shut down only once it is idle).
 */
(function () {
  "use strict";
  function typedIn(field) {
    if (!field || !field.closest || !field.closest(".course-activity")) { return false; }
    return field.tagName === "TEXTAREA" ||
      (field.tagName === "INPUT" && /^(text|date|search|email|url|tel|number)$/.test(field.type));
  }
  function sendTyped() {
    var field = document.activeElement;
    if (typedIn(field)) {
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var app = window.jupyterapp;
    var models = app && app.widgetManager && app.widgetManager._models;
    if (!models) { return; }
    Object.keys(models).forEach(function (id) {
      Promise.resolve(models[id]).then(function (model) {
        if (model && model._msg_buffer && model.comm_live && model.send_sync_message) {
          var sent = model.send_sync_message(model._msg_buffer, model._msg_buffer_callbacks);
          if (model.rememberLastUpdateFor) { model.rememberLastUpdateFor(sent); }
          model._msg_buffer = null;
          model._msg_buffer_callbacks = null;
        }
      });
    });
  }
  // Voila's page, as its tab closes ("beforeunload"), asks the server to shut its kernel down and
  // closes its connection to it; a value sent later ("pagehide") would never arrive. This
  // listener is added before Voila's (this script runs first), so the values go out first, and
  // the server shuts the kernel down only once it has handled them (query_socket.py).
  window.addEventListener("beforeunload", sendTyped);
  window.addEventListener("pagehide", sendTyped);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { sendTyped(); }
  });
})();

/* Files too big to send are refused in the page, before their bytes leave it.
 *
 * ipywidgets' upload button sends the chosen files' bytes to the kernel in one websocket message;
 * one bigger than the server takes closes the connection: the files are lost without a word and
 * the button stays dead until the page is reloaded. So when files are chosen, their sizes are
 * checked here against the limits the activity states next to its button (a ".course-upload-check"
 * element, written by Python with the limits and sentences of widgets_lib/network_io.py). Files
 * over a limit are dropped from the choice (nothing is sent; any earlier choice is cleared) and the
 * sentence appears under the button. The button's file input is not in the page, so it is found
 * when the button opens it.
 */
(function () {
  "use strict";
  var opener = null;  // the upload button pressed last, by mouse or keyboard
  document.addEventListener("click", function (event) {
    opener = event.target && event.target.closest ? event.target.closest(".widget-upload") : null;
  }, true);
  function figures(bytes) {
    return { bytes: bytes.toLocaleString("en-GB"), mb: (bytes / 1e6).toFixed(1) };
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }
  function refusal(files, check) {
    var maxFile = Number(check.getAttribute("data-max-file-bytes"));
    var maxUpload = Number(check.getAttribute("data-max-upload-bytes"));
    var total = 0;
    for (var i = 0; i < files.length; i += 1) {
      if (files[i].size > maxFile) {
        var values = figures(files[i].size);
        values.file = files[i].name;
        return fill(check.getAttribute("data-too-big"), values);
      }
      total += files[i].size;
    }
    return total > maxUpload ? fill(check.getAttribute("data-too-much"), figures(total)) : "";
  }
  function guard(input, button) {
    function checkChoice() {
      var activity = button.closest(".course-activity");
      var check = activity && activity.querySelector(".course-upload-check");
      if (!check || !input.files || !input.files.length) { return; }
      var message = refusal(input.files, check);
      check.textContent = "";
      if (message) {
        input.value = "";  // ipywidgets finds no files: nothing is sent
        var warning = document.createElement("p");
        warning.className = "course-warning";
        warning.setAttribute("role", "alert");
        warning.textContent = message;
        check.appendChild(warning);
      }
    }
    // "input" comes before the "change" on which ipywidgets reads the files; a capturing listener
    // on "change" also runs before ipywidgets' own, in case a browser sends no "input".
    input.addEventListener("input", checkChoice);
    input.addEventListener("change", checkChoice, true);
  }
  var click = HTMLInputElement.prototype.click;
  HTMLInputElement.prototype.click = function () {
    if (this.type === "file" && opener && !this.courseGuarded) {
      this.courseGuarded = true;
      guard(this, opener);
    }
    return click.apply(this, arguments);
  };
})();

/* A page that has not finished opening after a minute says so, with a way out.
 *
 * The server streams a lesson's page and ends it once the learner's work is loaded; if that never
 * happens (an overloaded server, a lost kernel) the visitor would otherwise look at the loading
 * spinner for ever. The page's last script sets window.courseFinished; without it after
 * COURSE_SLOW_PAGE_MS (or window.courseSlowPageMs, which tests set), a notice at the top of the
 * page offers to reload it. Reloading keeps the address, and with it the learner's code.
 */
(function () {
  "use strict";
  var COURSE_SLOW_PAGE_MS = 60000;
  function notice() {
    if (window.courseFinished || document.querySelector(".course-slow-page")) { return; }
    var box = document.createElement("div");
    box.className = "course-slow-page";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = "This page is taking much longer than it should to open. Reload it to try " +
      "again: everything you have already saved is kept. If this keeps happening, tell your tutor.";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Reload the page";
    button.addEventListener("click", function () { window.location.reload(); });
    box.appendChild(text);
    box.appendChild(button);
    document.body.insertBefore(box, document.body.firstChild);
  }
  window.setTimeout(function () {
    if (document.body) { notice(); } else { document.addEventListener("DOMContentLoaded", notice); }
  }, window.courseSlowPageMs || COURSE_SLOW_PAGE_MS);
})();

/* A form's answer is seen where the button was pressed.
 *
 * Lesson 04's forms answer directly under their buttons (a ".course-form-feedback"). A button
 * pressed at the bottom edge of the screen (where Tab leaves it) would leave its answer just below
 * the edge, so when a message appears it is scrolled into view, by as little as needed.
 */
(function () {
  "use strict";
  function shown(node) {
    var element = node.nodeType === 1 ? node : node.parentElement;
    var message = element && element.closest && element.closest(".course-form-message");
    var feedback = message && message.closest(".course-form-feedback");
    if (!feedback || !message.textContent.trim()) { return; }
    var box = feedback.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      feedback.scrollIntoView({ block: "nearest" });
    }
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) { record.addedNodes.forEach(shown); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
