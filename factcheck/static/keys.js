// Keyboard shortcuts for reviewers. Keys act on the claim under review (#review) and on
// lists marked with data-nav-item; they never fire while the user types in a field.
(() => {
  "use strict";
  const DECISIONS = { v: "verified", d: "disputed", u: "unsourced" };
  let pendingDecision = null;

  const review = () => document.getElementById("review");
  const button = (selector) => review()?.querySelector(selector);
  // htmx wires up swapped-in content only once it settles (20 ms later): a key pressed
  // sooner would post the form without htmx, and reload the page. Wire it up now.
  const press = (target) => {
    if (!target) return;
    window.htmx?.process(target.closest("form") ?? target);
    target.click();
  };

  function decide(status) {
    const form = review()?.querySelector("form.verdict");
    if (!form) return;
    const note = form.querySelector("textarea[name=note]");
    if (status !== "verified" && note && !note.value.trim()) {
      pendingDecision = status;
      note.focus();
      return;
    }
    // A click (not requestSubmit) so that htmx sends the button's status value too.
    press(form.querySelector(`button[value="${status}"]`));
  }

  function move(step) {
    const items = [...document.querySelectorAll("[data-nav-item]")];
    if (!items.length) return;
    const at = items.indexOf(document.activeElement);
    const next = items[Math.min(items.length - 1, Math.max(0, at + step))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const field = event.target.closest("input, textarea, select, [contenteditable]");
    if (field) {
      if (event.key === "Escape") field.blur();
      // After d or u asked for a note: Enter sends the verdict with it.
      if (event.key === "Enter" && !event.shiftKey && pendingDecision && field.name === "note") {
        event.preventDefault();
        const status = pendingDecision;
        pendingDecision = null;
        decide(status);
      }
      return;
    }
    const help = document.getElementById("keys-help");
    if (event.key === "?") { help.open ? help.close() : help.showModal(); return; }
    if (help.open) return;  // keys act on the page, not behind the open help
    if (DECISIONS[event.key]) { decide(DECISIONS[event.key]); }
    else if (event.key === "n") { button("textarea[name=note]")?.focus(); }
    else if (event.key === "s") { press(button("button.skip-claim")); }
    else if (event.key === "z") { press(document.getElementById("undo")); }
    else if (event.key === "j") { move(1); }
    else if (event.key === "k") { move(-1); }
    else { return; }
    event.preventDefault();
  });

  // A verdict or skip on its way: the pending d/u no longer applies. (Focus on the next
  // claim is htmx's own: the swapped-in claim carries autofocus.)
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.closest("form")) pendingDecision = null;  // not for lease renewals
  });

  // Buttons without inline handlers, so a strict Content-Security-Policy holds.
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
    if (event.target.closest("[data-show-keys]")) document.getElementById("keys-help").showModal();
  });
})();
