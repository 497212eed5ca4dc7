// The player's menus: quality, audio language and subtitles, and where captions sit.
import { h } from "../dom.js";

/** A menu button with a list of radio items (arrow keys move, Escape closes). */
export function menu(label, name, changed) {
  const button = h("button.ctl.menu-button", { type: "button", "aria-haspopup": "true", "aria-expanded": "false", dataset: { menu: name } }, label);
  const list = h("ul.menu-list", { role: "menu", "aria-label": label, hidden: true });
  const el = h("div.menu", null, button, list);
  const close = () => {
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
  };
  button.addEventListener("click", () => {
    list.hidden = !list.hidden;
    button.setAttribute("aria-expanded", String(!list.hidden));
    if (!list.hidden) (list.querySelector("[aria-checked=true]") ?? list.querySelector("button"))?.focus();
  });
  list.addEventListener("keydown", (event) => {
    const items = [...list.querySelectorAll("button")];
    const index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      close();
      button.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      items[(index + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
    }
  });
  return {
    el,
    set(items) {
      el.hidden = items.length < 2;
      list.replaceChildren(
        ...items.map((item) =>
          h(
            "li",
            { role: "none" },
            h(
              "button",
              {
                type: "button",
                role: "menuitemradio",
                "aria-checked": String(Boolean(item.checked)),
                dataset: { value: item.value },
                onclick: () => {
                  item.select();
                  changed();
                  close();
                  button.focus();
                },
              },
              item.label,
            ),
          ),
        ),
      );
    },
  };
}

export function qualityItems(player) {
  const variants = player.getVariantTracks();
  const abr = player.getConfiguration().abr.enabled;
  const heights = [...new Set(variants.map((v) => v.height).filter(Boolean))].sort((a, b) => b - a);
  const active = variants.find((v) => v.active);
  if (heights.length < 2) return []; // one rendition: nothing to choose
  return [
    { label: `Auto${abr && active?.height ? ` (${active.height}p)` : ""}`, value: "auto", checked: abr, select: () => player.configure({ abr: { enabled: true } }) },
    ...heights.map((height) => ({
      label: `${height}p`,
      value: String(height),
      checked: !abr && active?.height === height,
      select: () => {
        player.configure({ abr: { enabled: false } });
        const audio = active?.language;
        const pick = variants
          .filter((v) => v.height === height && (!audio || v.language === audio))
          .sort((a, b) => b.bandwidth - a.bandwidth)[0];
        if (pick) player.selectVariantTrack(pick, true);
      },
    })),
  ];
}

export function audioItems(player) {
  const tracks = player.getAudioTracks?.() ?? [];
  return tracks.map((track) => ({
    label: track.label || languageName(track.language) || "Default",
    value: `${track.language}:${track.label ?? ""}`,
    checked: track.active,
    select: () => player.selectAudioTrack(track),
  }));
}

/** Native captions sit on the video's last line, under our control bar; each shown cue is put
 * a few lines up instead (negative `line` counts from the bottom). */
export function liftCaptions(video) {
  const lift = (track) =>
    track.addEventListener("cuechange", () => {
      for (const cue of Array.from(track.activeCues ?? [])) {
        if (cue.line !== CAPTION_LINE) {
          cue.snapToLines = true;
          cue.line = CAPTION_LINE;
        }
      }
    });
  Array.from(video.textTracks).forEach(lift);
  video.textTracks.addEventListener("addtrack", (event) => lift(event.track));
}
const CAPTION_LINE = -4;

export function subtitleItems(player) {
  const tracks = player.getTextTracks();
  if (!tracks.length) return [];
  const active = tracks.find((t) => t.active);
  return [
    { label: "Off", value: "off", checked: !active, select: () => player.selectTextTrack(null) },
    ...tracks.map((track) => ({
      label: track.label || languageName(track.language),
      value: track.language,
      checked: track.active,
      select: () => player.selectTextTrack(track),
    })),
  ];
}

function languageName(code) {
  if (!code || code === "und") return "";
  try {
    return new Intl.DisplayNames([navigator.language], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}
