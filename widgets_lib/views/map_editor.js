// Lesson 04's map editor (widgets_lib/views/map_editor.py): the network drawn by vis-network from
// the nodes, edges and options pyvis builds in the kernel, and the learner's actions on it sent
// back as messages (the kernel checks each one; this file decides nothing).
//
// vis-network is the course's vendored copy, from the course server (no CDN). The page is
// …/voila/render/NN.ipynb, so the template's static files are at ../templates/course/static/.
// The file is a UMD script: it is loaded as a module whose own `exports` it fills, so a page that
// has an AMD loader (`define.amd`) or none gets the same result.
const STATIC = "../templates/course/static/";

function loadVis() {
  if (!globalThis.__courseVisNetwork) {
    globalThis.__courseVisNetwork = (async () => {
      const url = new URL(STATIC + "vis-network.min.js", document.baseURI);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`vis-network: ${response.status}`);
      const source =
        "const exports = {}, module = { exports }, define = undefined;\n" +
        (await response.text()) +
        "\nexport default exports;\n";
      const blob = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      try {
        return (await import(/* webpackIgnore: true */ blob)).default;
      } finally {
        URL.revokeObjectURL(blob);
      }
    })();
    globalThis.__courseVisNetwork.catch(() => {
      globalThis.__courseVisNetwork = null; // a reload of the widget may try again
    });
    if (!document.querySelector("link[data-course-vis]")) {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = new URL(STATIC + "vis-network.css", document.baseURI).href;
      css.dataset.courseVis = "";
      document.head.appendChild(css);
    }
  }
  return globalThis.__courseVisNetwork;
}

// Tooltips become text nodes: names typed by learners are never read as HTML.
function asText(items) {
  return (Array.isArray(items) ? items : []).map((item) => {
    const copy = { ...item };
    if (typeof copy.title === "string") {
      const div = document.createElement("div");
      div.style.whiteSpace = "pre-line";
      div.textContent = copy.title;
      copy.title = div;
    }
    if (copy.label !== undefined) copy.label = String(copy.label);
    return copy;
  });
}

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

const HINT =
  "Click an empty spot to add a school there. Drag a school to move it. Click a school or a " +
  "link to change it in the forms above.";
const LINK_HINT =
  "Linking: drag from one school to another, or click one school and then the other. " +
  "Press “Link two schools” again to stop.";
// On a phone (or any narrow screen or touch screen) a finger on the drawing scrolls the page, so
// the drawing is tapped, never dragged: a school is moved with the school form's numbers.
const TOUCH_HINT =
  "Tap an empty spot to add a school there. Tap a school or a link to change it in the forms " +
  "above. To move a school, tap it, then change its “Place on the drawing” numbers in the " +
  "form above.";
const TOUCH_LINK_HINT =
  "Linking: tap one school and then the other. Press “Link two schools” again to stop.";
// Said too when the drawing is wider than its box (which then scrolls sideways).
const WIDE_HINT = "The drawing is wider than the space for it: scroll it sideways to see the rest.";
const TOUCH_WIDE_HINT =
  "The drawing is wider than the screen: slide it sideways with a finger to see the rest.";
const CLOSED_HINT = "Start or resume at the top of the page to change the drawing.";

// The drawing's size. Names are 15 px at scale 1 and never drawn under 12 px; the whole network,
// names included, is shown at the largest scale up to 1 that fits. When even 12 px names do not
// fit, the drawing grows: taller up to TALLEST, and wider inside its own box that scrolls
// sideways (the page itself never gets wider than the screen).
const SMALLEST = 12 / 15;
const MARGIN = 16; // px of empty drawing kept round the schools and their names
const HEIGHT = 460; // px: the drawing's usual height (the stylesheet's)
const TALLEST = 1000; // px
const WIDEST = 3000; // px
const PIXELS = 16e6; // the most canvas pixels a phone's browser reliably draws
// Narrow or touch screens: the drawing neither pans nor zooms, so a finger scrolls the page.
const TOUCH_SCREEN = "(max-width: 600px), (pointer: coarse)";

let made = 0;

function render({ model, el }) {
  const id = `course-map-${++made}`;
  el.classList.add("course-map");

  const bar = make("div", "course-map-bar");
  const linkButton = make("button", "course-map-toggle", "Link two schools");
  linkButton.type = "button";
  linkButton.setAttribute("aria-pressed", "false");
  const hint = make("p", "course-map-hint");
  hint.setAttribute("aria-live", "polite");
  bar.append(linkButton, hint);

  const stage = make("div", "course-map-stage");
  // The drawing's own box: it scrolls sideways when the drawing is wider than the page allows.
  const scroller = make("div", "course-map-scroll");
  const canvas = make("div", "course-map-canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute(
    "aria-label",
    "Drawing of the network; the forms above change it and the tables below list the same " +
      "schools and links",
  );
  const fallback = make(
    "p",
    "course-map-fallback",
    "The drawing could not be shown here; the forms above change the network and the tables " +
      "below list its schools and links.",
  );
  fallback.hidden = true;

  // The small form that opens where an empty spot was clicked.
  const popup = make("div", "course-map-add");
  popup.hidden = true;
  popup.setAttribute("role", "group");
  popup.setAttribute("aria-label", "Add a school at this spot");
  const label = make("label", "", "Name of the new school");
  label.htmlFor = `${id}-name`;
  const field = make("input");
  field.id = `${id}-name`;
  field.type = "text";
  field.autocomplete = "off";
  field.maxLength = Number(model.get("max_name")) || 200; // the kernel checks it again
  const addButton = make("button", "course-map-add-button", "Add this school");
  addButton.type = "button";
  const cancelButton = make("button", "", "Cancel");
  cancelButton.type = "button";
  const popupMessage = make("p", "course-map-message");
  popupMessage.setAttribute("role", "alert");
  const buttons = make("div", "course-map-buttons");
  buttons.append(addButton, cancelButton);
  popup.append(label, field, buttons, popupMessage);

  scroller.append(canvas);
  stage.append(scroller, popup);
  el.append(bar, stage, fallback);

  let network = null;
  let nodes = null;
  let edges = null;
  let optionsText = "";
  let linking = false;
  let source = null; // the school chosen first while linking (a node id)
  let spot = null; // where the new school goes, in the drawing's units
  let requests = 0;
  let waiting = null; // the request whose answer closes the popup
  let shown = new Map(); // each school drawn: name -> its place, as last drawn
  let ownPlaces = []; // where the learner just put schools with the pointer (added or dragged)
  let wide = false; // the drawing is wider than its box (which then scrolls sideways)
  const touchScreen = window.matchMedia ? window.matchMedia(TOUCH_SCREEN) : { matches: false };
  const touch = () => touchScreen.matches === true;

  const editable = () => model.get("editable") === true;
  const nameOf = (nodeId) => {
    const node = nodes && nodes.get(nodeId);
    return node ? String(node.label) : null;
  };
  const send = (content) => {
    requests += 1;
    model.send({ ...content, request: requests });
    return requests;
  };

  function showHint() {
    let text;
    if (!editable()) text = CLOSED_HINT;
    else if (linking && source !== null)
      text = touch()
        ? `Linking from ${nameOf(source)}: tap the school it links to.`
        : `Linking from ${nameOf(source)}: click or drag to the school it links to.`;
    else if (linking) text = touch() ? TOUCH_LINK_HINT : LINK_HINT;
    else text = touch() ? TOUCH_HINT : HINT;
    if (wide) text += ` ${touch() ? TOUCH_WIDE_HINT : WIDE_HINT}`;
    if (hint.textContent !== text) hint.textContent = text; // it is read out when it changes
  }

  function closePopup(focusBack) {
    popup.hidden = true;
    popupMessage.textContent = "";
    waiting = null;
    spot = null;
    if (focusBack) linkButton.focus();
  }

  function openPopup(dom, canvasPoint) {
    spot = { x: canvasPoint.x, y: canvasPoint.y };
    if (popup.hidden) field.value = ""; // a click elsewhere moves the open field, keeping its text
    popupMessage.textContent = "";
    popup.hidden = false;
    // Where the drawing was tapped or clicked, in the stage (the drawing may be scrolled sideways
    // in its box), kept inside the part of the drawing on screen.
    const x = dom.x - scroller.scrollLeft;
    const left = Math.max(0, Math.min(x, stage.clientWidth - popup.offsetWidth - 4));
    const top = Math.max(0, Math.min(dom.y, stage.clientHeight - popup.offsetHeight - 4));
    popup.style.left = `${left}px`;
    popup.style.top = `${top}px`;
    field.focus();
  }

  function addSchool() {
    if (spot === null) return;
    ownPlaces = [...ownPlaces.slice(-9), { ...spot }];
    waiting = send({ action: "add", name: field.value, x: spot.x, y: spot.y });
  }

  // What the pointer does on the drawing: on a narrow or touch screen it neither drags nor pans
  // (a finger scrolls the page); while linking, its press and release name the two ends.
  function setInteraction() {
    if (!network) return;
    const still = touch();
    el.classList.toggle("course-map-touch", still);
    const interaction = {
      dragNodes: editable() && !linking && !still,
      dragView: !linking && !still,
    };
    if (still) interaction.zoomView = false;
    network.setOptions({ interaction });
  }

  function setLinking(on) {
    linking = on && editable();
    source = null;
    linkButton.setAttribute("aria-pressed", String(linking));
    el.classList.toggle("course-map-linking", linking);
    if (network) {
      setInteraction();
      network.unselectAll();
    }
    showHint();
  }

  function chooseEnd(nodeId) {
    if (source === null || source === nodeId) {
      source = nodeId;
      network.selectNodes([nodeId]);
    } else {
      send({ action: "link", from: nameOf(source), to: nameOf(nodeId) });
      source = null;
      network.unselectAll();
    }
    showHint();
  }

  // The kernel's nodes, edges and options drawn. The view stays where it is, so a school added or
  // dragged by the learner stays under the pointer, unless the network is a new one (an example,
  // an import) or a school came or moved elsewhere, out of sight (added with the forms, or undone):
  // then the whole network is shown again.
  function applyData() {
    if (!network) return;
    const text = JSON.stringify(model.get("options") || {});
    if (text !== optionsText) {
      optionsText = text;
      network.setOptions(JSON.parse(text));
      setLinking(linking);
    }
    nodes.clear();
    nodes.add(asText(model.get("nodes")));
    edges.clear();
    edges.add(asText(model.get("edges")));
    if (source !== null && !nodes.get(source)) source = null;
    const before = shown;
    shown = new Map(nodes.get().map((node) => [String(node.label), node]));
    const near = (place, node) =>
      Math.abs(place.x - node.x) <= 1 && Math.abs(place.y - node.y) <= 1;
    const changed = [...shown.entries()]
      .filter(([name, node]) => {
        const old = before.get(name);
        return !(old && old.x === node.x && old.y === node.y);
      })
      .map(([, node]) => node);
    const elsewhere = changed.filter((node) => !ownPlaces.some((place) => near(place, node)));
    ownPlaces = ownPlaces.filter((place) => !changed.some((node) => near(place, node)));
    const kept = [...shown.keys()].some((name) => before.has(name));
    if (!kept && elsewhere.length) showAll();
    else if (elsewhere.length) {
      network.redraw(); // every name measured
      if (elsewhere.some((node) => !inSight(node.id))) showAll();
    }
    showHint();
  }

  // Several traits change in one update (nodes, edges, options): drawn once, when all have come.
  let dataDue = false;
  function dataChanged() {
    if (dataDue) return;
    dataDue = true;
    queueMicrotask(() => {
      dataDue = false;
      applyData();
    });
  }

  // A school's box, its name included, in the drawing's units (measured as it is drawn).
  function boxOf(nodeId) {
    const box = network.getBoundingBox(nodeId);
    if (!box) return null;
    const { left, right, top, bottom } = box;
    return [left, right, top, bottom].every(Number.isFinite) ? { left, right, top, bottom } : null;
  }

  // Whether a school and its name are wholly on the drawing (perhaps scrolled to sideways), as
  // last drawn.
  function inSight(nodeId) {
    const box = boxOf(nodeId);
    if (!box) return true;
    const topLeft = network.canvasToDOM({ x: box.left, y: box.top });
    const bottomRight = network.canvasToDOM({ x: box.right, y: box.bottom });
    return (
      topLeft.x >= 0 &&
      topLeft.y >= 0 &&
      bottomRight.x <= canvas.clientWidth &&
      bottomRight.y <= canvas.clientHeight
    );
  }

  // The box round every school and its name, in the drawing's units; null with no school.
  function networkBox() {
    network.redraw(); // a name's size is known once it has been drawn
    let all = null;
    for (const nodeId of nodes.getIds()) {
      const box = boxOf(nodeId);
      if (!box) continue;
      all = all
        ? {
            left: Math.min(all.left, box.left),
            right: Math.max(all.right, box.right),
            top: Math.min(all.top, box.top),
            bottom: Math.max(all.bottom, box.bottom),
          }
        : box;
    }
    return all;
  }

  // The whole network in view, names included: at its own size at most (a small network is not
  // blown up, so what is seen matches where the learner put it) and never so small that a name is
  // under 12 px. What does not fit at that size makes the drawing taller (up to TALLEST) and wider
  // than its box, which then scrolls sideways; past those limits (a very large network) the rest
  // is reached by dragging the picture with a mouse, and the tables below list every school.
  function showAll() {
    if (!network) return;
    const room = scroller.clientWidth;
    const box = networkBox();
    let width = room;
    let height = HEIGHT;
    let scale = 1;
    let middle = { x: 0, y: 0 };
    if (box && room > 0) {
      const across = Math.max(1, box.right - box.left);
      const down = Math.max(1, box.bottom - box.top);
      const fits = Math.min((room - 2 * MARGIN) / across, (HEIGHT - 2 * MARGIN) / down);
      scale = Math.min(1, Math.max(SMALLEST, fits));
      height = Math.min(TALLEST, Math.max(HEIGHT, Math.ceil(down * scale + 2 * MARGIN)));
      const ratio = window.devicePixelRatio || 1;
      const widest = Math.min(WIDEST, Math.floor(PIXELS / (height * ratio * ratio)));
      width = Math.max(room, Math.min(widest, Math.ceil(across * scale + 2 * MARGIN)));
      middle = { x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 };
    }
    wide = width > room;
    canvas.style.width = wide ? `${width}px` : "";
    canvas.style.height = height > HEIGHT ? `${height}px` : "";
    // A box that scrolls is reached by the keyboard too (arrow keys scroll it).
    if (wide) {
      scroller.tabIndex = 0;
      scroller.setAttribute("role", "group");
      scroller.setAttribute("aria-label", "The drawing, in a box that scrolls sideways");
    } else {
      scroller.removeAttribute("tabindex");
      scroller.removeAttribute("role");
      scroller.removeAttribute("aria-label");
    }
    scroller.scrollLeft = 0;
    network.setSize(); // the canvas takes its new size now, not at the next frame
    network.moveTo({ position: middle, scale, animation: false });
    showHint();
  }

  linkButton.addEventListener("click", () => setLinking(!linking));
  addButton.addEventListener("click", addSchool);
  cancelButton.addEventListener("click", () => closePopup(true));
  popup.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closePopup(true);
    } else if (event.key === "Enter" && event.target === field) {
      event.preventDefault();
      addSchool();
    }
  });

  model.on("msg:custom", (content) => {
    if (content && content.redraw === true) dataChanged();
    if (!content || content.request === undefined || content.request !== waiting) return;
    if (content.ok) closePopup(true); // the keyboard goes on from the drawing's toolbar
    else popupMessage.textContent = String(content.message || "");
  });
  model.on("change:nodes", dataChanged);
  model.on("change:edges", dataChanged);
  model.on("change:options", dataChanged);
  model.on("change:editable", () => {
    if (!editable()) closePopup(false);
    linkButton.disabled = !editable();
    setLinking(false);
  });
  linkButton.disabled = !editable();
  showHint();

  // While linking, the pointer's own press and release name the two ends: a drag from one school
  // to another, or two clicks (vis-network neither drags nor pans meanwhile).
  let pressed = null;
  const nodeAt = (event) => {
    const box = canvas.getBoundingClientRect();
    const found = network.getNodeAt({ x: event.clientX - box.left, y: event.clientY - box.top });
    return found === undefined ? null : found;
  };
  canvas.addEventListener("pointerdown", (event) => {
    pressed = linking && network ? { node: nodeAt(event), x: event.clientX, y: event.clientY } : null;
  });
  canvas.addEventListener("pointerup", (event) => {
    if (!pressed || !linking || !network) return;
    const start = pressed;
    pressed = null;
    const end = nodeAt(event);
    const moved = Math.hypot(event.clientX - start.x, event.clientY - start.y) > 5;
    if (moved && start.node !== null && end !== null && end !== start.node) {
      send({ action: "link", from: nameOf(start.node), to: nameOf(end) });
      source = null;
      network.unselectAll();
      showHint();
    } else if (!moved && end !== null) {
      chooseEnd(end);
    }
  });

  let alive = true;
  let resized = null;
  const touchChanged = () => {
    setInteraction();
    showAll();
  };
  loadVis()
    .then((vis) => {
      if (!alive) return;
      nodes = new vis.DataSet();
      edges = new vis.DataSet();
      network = new vis.Network(canvas, { nodes, edges }, {});
      applyData();
      showAll();
      network.once("stabilizationIterationsDone", () => {
        network.setOptions({ physics: false }); // schools stay where they settled or are dragged
        showAll();
      });
      network.on("click", (params) => {
        if (!editable() || linking) return;
        if (params.nodes.length) {
          send({ action: "school", name: nameOf(params.nodes[0]) });
        } else if (params.edges.length) {
          const edge = edges.get(params.edges[0]);
          if (edge)
            send({ action: "pick_link", index: edge.id, from: nameOf(edge.from), to: nameOf(edge.to) });
        } else {
          openPopup(params.pointer.DOM, params.pointer.canvas);
        }
      });
      network.on("dragEnd", (params) => {
        if (!editable() || linking || !params.nodes.length) return;
        const positions = network.getPositions(params.nodes);
        for (const nodeId of params.nodes) {
          const where = positions[nodeId];
          if (!where) continue;
          ownPlaces = [...ownPlaces.slice(-9), { x: where.x, y: where.y }];
          send({ action: "move", name: nameOf(nodeId), x: where.x, y: where.y });
        }
      });
      // A new screen width (a window resized, a phone turned) or a switch between mouse and
      // touch: the drawing sized and the network shown again.
      let room = scroller.clientWidth;
      resized = new ResizeObserver(() => {
        if (scroller.clientWidth === room) return; // its own height follows the drawing's
        room = scroller.clientWidth;
        showAll();
      });
      resized.observe(scroller);
      if (touchScreen.addEventListener) touchScreen.addEventListener("change", touchChanged);
    })
    .catch(() => {
      fallback.hidden = false;
      canvas.hidden = true;
    });

  return () => {
    alive = false;
    if (resized) resized.disconnect();
    if (touchScreen.removeEventListener) touchScreen.removeEventListener("change", touchChanged);
    if (network) network.destroy();
  };
}

export default { render };
