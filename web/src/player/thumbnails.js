import { formatTime } from "../dom.js";

// -- trick-play thumbnails: a WebVTT of sprite regions (`sprite.jpg#xywh=x,y,w,h`) -------------

export async function thumbnails(vttUrl, seek, preview, duration) {
  if (!vttUrl) return;
  let cues = [];
  try {
    const absolute = new URL(vttUrl, location.href).href; // sprite paths are relative to the VTT
    const text = await (await fetch(absolute)).text();
    cues = parseVtt(text, absolute);
  } catch {
    return;
  }
  if (!cues.length) return;
  const thumb = preview.querySelector(".seek-thumb");
  const label = preview.querySelector(".seek-time");
  const show = (seconds, fraction) => {
    const cue = cues.find((c) => seconds >= c.start && seconds < c.end) ?? cues.at(-1);
    thumb.style.backgroundImage = `url("${cue.url}")`;
    thumb.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    thumb.style.width = `${cue.w}px`;
    thumb.style.height = `${cue.h}px`;
    label.textContent = formatTime(seconds);
    preview.style.left = `${Math.max(0, Math.min(100, fraction * 100))}%`;
    preview.hidden = false;
  };
  seek.addEventListener("pointermove", (event) => {
    const rect = seek.getBoundingClientRect();
    const fraction = (event.clientX - rect.left) / rect.width;
    show(fraction * (duration() || 0), fraction);
  });
  seek.addEventListener("pointerleave", () => (preview.hidden = true));
  seek.addEventListener("input", () => {
    const total = duration() || 1;
    show(Number(seek.value), Number(seek.value) / total);
  });
  seek.addEventListener("blur", () => (preview.hidden = true));
  seek.addEventListener("change", () => (preview.hidden = true)); // the drag ended
  preview.dataset.cues = String(cues.length);
}

export function parseVtt(text, base) {
  const cues = [];
  const seconds = (stamp) => stamp.split(":").reduce((total, part) => total * 60 + Number(part), 0);
  for (const block of text.replace(/\r/g, "").split("\n\n")) {
    const lines = block.trim().split("\n");
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [start, end] = lines[timing].split("-->").map((s) => seconds(s.trim().split(" ")[0]));
    const [file, hash = ""] = lines[timing + 1].trim().split("#");
    const [x = 0, y = 0, w = 160, h = 90] = (/xywh=([\d,]+)/.exec(hash)?.[1] ?? "").split(",").map(Number);
    cues.push({ start, end, url: new URL(file, base).href, x, y, w, h });
  }
  return cues;
}
