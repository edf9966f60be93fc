// Clicks made while Python starts (runs after bootstrap.js, in <head>; bootstrap.js's ready() calls
// explainer.replay once Python's first drawing is in and its listeners are on).
"use strict";
(() => {
  const explainer = window.explainer;
  if (!explainer) return; // bootstrap.js did not run: the page's own watchdog says so
  // What the visitor does while Python starts is not lost: a click (or Enter) on an example, a map or a
  // class (or its "Why?" button) of the first paint is acknowledged at once where it happened, and at ready
  // each is carried out in the order made, on the element Python drew in its place, after the one before
  // (koala, then a map: the map of koala).
  const INTENT_TARGETS = [["data-example"], ["data-layer", "data-index"], ["data-class"], ["data-why"]];
  const INTENT_LIMIT = 8; // more clicks than this before ready keep only the latest
  let intents = [];
  let note = null;

  function intentSelector(element) {
    for (const attributes of INTENT_TARGETS) {
      if (attributes.every((name) => element.hasAttribute(name)))
        return attributes.map((name) => `[${name}="${CSS.escape(element.getAttribute(name))}"]`).join("");
    }
    return null;
  }

  function showNote() {
    if (!note || note.hidden) return;
    note.textContent = `Python is starting (${explainer.percent()}%). This will open as soon as it is ready.`;
  }

  function remember(event) {
    if (explainer.status() !== "loading" || !event.target.closest) return;
    if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
    const element = event.target.closest(INTENT_TARGETS.map((a) => a.map((n) => `[${n}]`).join("")).join(","));
    const selector = element && intentSelector(element);
    if (!selector) return;
    event.preventDefault();
    element.classList.add("intent-pending");
    intents.push({ type: event.type, key: event.key, selector });
    if (intents.length > INTENT_LIMIT) intents.shift();
    explainer.history.push([Math.round(performance.now()), "intent", selector]);
    if (!note) {
      note = document.createElement("div");
      note.id = "starting-note";
      note.setAttribute("role", "status");
      document.body.appendChild(note);
    }
    const box = element.getBoundingClientRect();
    const x = event.clientX || box.left + box.width / 2;
    const y = event.clientY || box.bottom;
    note.style.left = `${Math.max(8, Math.min(x - 20, innerWidth - 300))}px`;
    note.style.top = `${Math.min(y + 16, innerHeight - 60)}px`;
    note.hidden = false;
    showNote();
  }
  document.addEventListener("click", remember, true);
  document.addEventListener("keydown", remember, true);

  function replay() {
    if (note) note.hidden = true;
    document.querySelectorAll(".intent-pending").forEach((e) => e.classList.remove("intent-pending"));
    const pending = intents.shift();
    if (!pending) return;
    // looked up only now: the click before this one may have drawn the page again (another image)
    const element = document.querySelector(pending.selector);
    explainer.history.push([Math.round(performance.now()), "replay", pending.selector]);
    if (element) {
      const init = { bubbles: true, cancelable: true, key: pending.key };
      if (pending.type === "keydown" && element.focus) element.focus();
      element.dispatchEvent(pending.type === "click" ? new MouseEvent("click", init) : new KeyboardEvent("keydown", init));
    }
    setTimeout(replay, 0); // the next one after this one's work (and its redraw) is done
  }

  explainer.replay = replay;
  explainer.showNote = showNote; // bootstrap.js redraws the note's percentage with the stages
})();
