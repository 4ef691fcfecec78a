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
const CLOSED_HINT = "Start or resume at the top of the page to change the drawing.";

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

  stage.append(canvas, popup);
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
    if (!editable()) hint.textContent = CLOSED_HINT;
    else if (linking && source !== null)
      hint.textContent = `Linking from ${nameOf(source)}: click or drag to the school it links to.`;
    else hint.textContent = linking ? LINK_HINT : HINT;
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
    const width = stage.clientWidth;
    const left = Math.max(0, Math.min(dom.x, width - popup.offsetWidth - 4));
    const top = Math.max(0, Math.min(dom.y, stage.clientHeight - popup.offsetHeight - 4));
    popup.style.left = `${left}px`;
    popup.style.top = `${top}px`;
    field.focus();
  }

  function addSchool() {
    if (spot === null) return;
    waiting = send({ action: "add", name: field.value, x: spot.x, y: spot.y });
  }

  function setLinking(on) {
    linking = on && editable();
    source = null;
    linkButton.setAttribute("aria-pressed", String(linking));
    el.classList.toggle("course-map-linking", linking);
    if (network) {
      network.setOptions({ interaction: { dragNodes: editable() && !linking, dragView: !linking } });
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
    showHint();
  }

  // The whole network in view, at its own size at most (a small network is not blown up, so what
  // is seen matches where the learner put it) and never so small that a name is under 12 px
  // (names are 15 px at scale 1); the rest is then reached by dragging the picture.
  function showAll() {
    network.fit({ animation: false });
    const scale = network.getScale();
    if (scale > 1 || scale < 12 / 15)
      network.moveTo({ scale: Math.min(1, Math.max(12 / 15, scale)), animation: false });
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
    if (content && content.redraw === true) applyData();
    if (!content || content.request === undefined || content.request !== waiting) return;
    if (content.ok) closePopup(true); // the keyboard goes on from the drawing's toolbar
    else popupMessage.textContent = String(content.message || "");
  });
  model.on("change:nodes", applyData);
  model.on("change:edges", applyData);
  model.on("change:options", applyData);
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
          if (where) send({ action: "move", name: nameOf(nodeId), x: where.x, y: where.y });
        }
      });
    })
    .catch(() => {
      fallback.hidden = false;
      canvas.hidden = true;
    });

  return () => {
    alive = false;
    if (network) network.destroy();
  };
}

export default { render };
