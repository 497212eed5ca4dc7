// Tiny DOM helpers. Text always goes in as text nodes: nothing from the API is parsed as HTML.

/**
 * h("button.primary", {onclick, type: "button"}, "Play") -> <button class="primary">Play</button>
 * @param {string} tag  "tag#id.class1.class2"
 * @param {Record<string, any>|null} [props]
 * @param {...any} children  strings, nodes, arrays, null/false (skipped)
 */
export function h(tag, props, ...children) {
  const [, name, rest = ""] = /^([a-z0-9-]+)(.*)$/i.exec(tag) ?? [];
  const el = document.createElement(name || "div");
  for (const part of rest.match(/[#.][^#.]+/g) ?? []) {
    if (part[0] === "#") el.id = part.slice(1);
    else el.classList.add(part.slice(1));
  }
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "class") el.className = value;
    else if (key in el && !key.includes("-") && key !== "list") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the main area's content and moves focus to its first heading (screen readers, keyboard). */
export function render(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children.flat().filter(Boolean));
  const heading = main.querySelector("h1, h2");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
  return main;
}

let toastTimer = 0;
export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.dataset.kind = kind;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 4000);
}

/** A labelled form field; returns the wrapper (the input is wrapper.input). */
export function field(label, props = {}) {
  const id = props.id ?? `f-${props.name}`;
  const control =
    props.type === "select"
      ? h("select", { ...props, type: undefined, id, options: undefined }, (props.options ?? []).map(optionOf))
      : props.type === "textarea"
        ? h("textarea", { ...props, type: undefined, id })
        : h("input", { ...props, id });
  if (props.type === "select" && props.value !== undefined) control.value = props.value;
  const wrapper =
    props.type === "checkbox"
      ? h("div.field.check", null, control, h("label", { htmlFor: id }, label))
      : h("div.field", null, h("label", { htmlFor: id }, label), control);
  wrapper.input = control;
  return wrapper;
}

function optionOf(option) {
  const [value, text] = Array.isArray(option) ? option : [option, option];
  return h("option", { value }, text);
}

/** A form whose submit runs `onsubmit(values)` with its button disabled and errors shown in it. */
export function form(props, children, onsubmit) {
  const error = h("p.form-error", { role: "alert" });
  const el = h("form", { ...props, novalidate: false }, children, error);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = el.querySelectorAll("button[type=submit]");
    buttons.forEach((b) => (b.disabled = true));
    error.textContent = "";
    try {
      await onsubmit(Object.fromEntries(new FormData(el)), el);
    } catch (exc) {
      error.textContent = exc.message || String(exc);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });
  return el;
}

export function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return "0:00";
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(hours ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}
