// The next episode, offered at the end of one (with a countdown when autoplay is on).
import { h } from "../dom.js";
import { navigate } from "../router.js";
import { session } from "../session.js";

const AUTOPLAY_SECONDS = 5;

/** The profile's autoplay preference, else the account's (the schema's default: on). */
export function autoplayNext() {
  return session.profile?.preferences?.autoplay ?? session.me?.preferences?.autoplay ?? true;
}

/** The next episode is offered; with autoplay on it starts after a countdown (Cancel stops it). */
export function upNext(stage, item, next) {
  const autoplay = autoplayNext();
  const href = `/watch/${next.id}?title=${item.id}`;
  const link = h("a.button.primary.next-episode", { href }, `Next: E${next.number} ${next.name}`);
  const status = h("p", { role: "status" }, autoplay ? `Up next in ${AUTOPLAY_SECONDS} seconds` : "Up next");
  const cancel = h("button.secondary", { type: "button" }, "Cancel");
  const panel = h("div.player-panel.up-next", { dataset: { autoplay: String(autoplay) } }, status, h("div.actions", null, link, autoplay ? cancel : null));
  stage.querySelector(".seek-preview")?.setAttribute("hidden", "");
  stage.append(panel);
  link.focus();
  if (!autoplay) return;
  let left = AUTOPLAY_SECONDS;
  const timer = setInterval(() => {
    if (!panel.isConnected) return clearInterval(timer); // the viewer left the player meanwhile
    left -= 1;
    if (left > 0) status.textContent = `Up next in ${left} second${left === 1 ? "" : "s"}`;
    else {
      clearInterval(timer);
      navigate(href);
    }
  }, 1000);
  const stopCountdown = () => clearInterval(timer);
  link.addEventListener("click", stopCountdown);
  cancel.addEventListener("click", () => {
    stopCountdown();
    status.textContent = "Up next";
    cancel.remove();
    link.focus();
  });
}
