// Admin and content providers: create titles, upload their video (tus, resumable, with a progress
// bar), follow the transcode, edit metadata and availability windows, publish.
import * as tus from "tus-js-client";
import { api, bearer, refresh } from "../api.js";
import { followEvents } from "../sse.js";
import { field, form, h, render, toast } from "../dom.js";
import { titleListing } from "./admin_titles.js";
import { navigate, onLeave } from "../router.js";
import { session } from "../session.js";

const RATINGS = ["", "G", "PG", "PG-13", "R", "NC-17", "TV-Y", "TV-Y7", "TV-G", "TV-PG", "TV-14", "TV-MA"];
const TYPES = [["movie", "Movie"], ["tv_series", "Series"], ["documentary", "Documentary"], ["special", "Special"]];

export async function adminView(_, query) {
  // Every title the editor may open, in any status, from the server (the editors' listing):
  // nothing is remembered by this browser, so another browser or editor sees the same list.
  const listing = titleListing(query ?? new URLSearchParams(), { path: "/admin" });
  render(
    h(
      "section.admin",
      null,
      h("h1", null, "Catalog"),
      h(
        "p.admin-links",
        null,
        h("a", { href: "/admin/titles" }, "All titles, drafts included"),
        session.me?.roles?.includes("admin") ? [" · ", h("a", { href: "/admin/users" }, "Users")] : null,
        session.me?.roles?.includes("admin") ? [" · ", h("a", { href: "/admin/analytics" }, "Analytics")] : null,
      ),
      h(
        "details.panel",
        null,
        h("summary", null, "New title"),
        form(
          { "aria-label": "New title", class: "grid-form" },
          [
            field("Title", { name: "title", required: true, maxLength: 300 }),
            field("Type", { name: "type", type: "select", options: TYPES }),
            field("Maturity rating", { name: "maturity_rating", type: "select", options: RATINGS.map((r) => [r, r || "Unrated"]) }),
            field("Release year", { name: "release_year", type: "number", min: 1878, max: 2100 }),
            field("Genres (comma separated)", { name: "genres" }),
            field("Description", { name: "description", type: "textarea", rows: 3 }),
            h("button.primary", { type: "submit" }, "Create title"),
          ],
          async (values) => {
            const created = await api("/titles", { method: "POST", body: metadata(values, true) });
            toast(`Created ${created.title}`);
            navigate(`/admin/title/${created.id}`);
          },
        ),
      ),
      listing.node,
    ),
  );
  await listing.load();
}

function metadata(values, creating) {
  const body = {
    title: values.title,
    description: values.description || null,
    maturity_rating: values.maturity_rating || null,
    release_year: values.release_year ? Number(values.release_year) : null,
    genres: (values.genres ?? "").split(",").map((g) => g.trim()).filter(Boolean),
  };
  if (creating) body.type = values.type;
  return body;
}

export async function adminTitleView({ id }) {
  const doc = await api(`/titles/${id}`);
  const status = h("span.status", { dataset: { status: doc.status }, "aria-live": "polite" }, doc.status);
  const lifecycle = h("div.actions", null, lifecycleButtons(doc, status));
  render(
    h(
      "section.admin",
      null,
      h("p", null, h("a", { href: "/admin" }, "← Catalog")),
      h("h1", null, doc.title),
      h("p", null, "Status: ", status, " ", doc.status === "published" ? h("a", { href: `/title/${doc.id}` }, "View as a viewer") : null),
      lifecycle,
      uploadPanel(doc, status, lifecycle),
      imagePanel(doc),
      metadataPanel(doc),
      availabilityPanel(doc),
    ),
  );
}

function lifecycleButtons(doc, status) {
  const action = (name, label) =>
    h(
      "button.secondary",
      {
        type: "button",
        dataset: { action: name },
        onclick: async () => {
          try {
            const updated = await api(`/titles/${doc.id}/${name}`, { method: "POST" });
            toast(`${label}: ${updated.status}`);
            adminTitleView({ id: doc.id });
          } catch (error) {
            toast(error.message, "error");
          }
        },
      },
      label,
    );
  return [
    ["ready", "unpublished", "expired"].includes(doc.status) ? action("publish", "Publish") : null,
    doc.status === "published" ? action("unpublish", "Unpublish") : null,
    doc.status !== "archived" ? action("archive", "Archive") : null,
  ];
}

function uploadPanel(doc, status, lifecycle) {
  const input = h("input#upload-file", { type: "file", accept: "video/*", name: "file" });
  const bar = h("progress.upload-progress", { max: 100, value: 0, "aria-label": "Upload progress" });
  const barText = h("span.upload-percent", null, "0%");
  const job = h("progress.job-progress", { max: 100, value: 0, "aria-label": "Transcode progress" });
  const jobText = h("span.job-status", { "aria-live": "polite" }, "");
  const start = h("button.primary", { type: "button" }, "Upload");
  // What the file is to the title (tus metadata `kind`): its own video, or a trailer the catalog
  // lists in `trailers` (a series' own video is per episode, so it only takes trailers here).
  const series = doc.type === "tv_series";
  const kind = h(
    "select#upload-kind",
    { name: "kind" },
    series ? null : h("option", { value: "feature" }, "Title video"),
    h("option", { value: "trailer" }, "Trailer"),
  );
  const trailers = h("p.muted.trailer-list", { "aria-live": "polite" }, trailerText(doc.trailers));
  let upload = null;
  let polling = 0;
  let live = null;
  onLeave(() => {
    clearInterval(polling);
    live?.close();
    upload?.abort();
  });

  start.addEventListener("click", () => {
    const file = input.files?.[0];
    if (!file) return toast("Choose a video file first", "error");
    start.disabled = true;
    const as = kind.value;
    upload = new tus.Upload(file, {
      endpoint: "/api/v1/uploads",
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      metadata: { title_id: doc.id, filename: file.name, filetype: file.type, kind: as },
      // Resume only an upload of this file to this title as this kind: tus-js-client's default
      // fingerprint is the file alone, which would resume (or reuse) another title's upload.
      fingerprint: (f) => Promise.resolve(["cinemesh", doc.id, as, f.name, f.size, f.lastModified].join("/")),
      removeFingerprintOnSuccess: true,
      // A fresh token each time: uploads can outlive the 15-minute access token.
      onBeforeRequest: (request) => request.setHeader("Authorization", `Bearer ${bearer()}`),
      onProgress: (sent, total) => {
        const percent = Math.floor((sent / total) * 100);
        bar.value = percent;
        barText.textContent = `${percent}%`;
      },
      onError: (error) => {
        start.disabled = false;
        toast(`Upload failed: ${error.message}`, "error");
      },
      onSuccess: () => {
        bar.value = 100;
        barText.textContent = "100%";
        const videoId = upload.url.split("/").pop();
        followJob(videoId, as);
      },
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  });

  // The video as this page knows it: the media service's document, kept current by its event
  // stream (GET /videos/{id}/events: `state`, then `progress`, `status`, `renditions`).
  let video = null;
  let settled = false;
  const show = () => {
    const percent = video.status === "ready" ? 100 : Math.round(video.progress ?? 0); // 0-100
    job.value = percent;
    job.dataset.status = video.status;
    const stage = video.stage && !["queued", "done", video.status].includes(video.stage) ? ` (${video.stage})` : "";
    jobText.textContent = `${video.status}${stage} ${percent}%`;
    if (settled || !["ready", "failed"].includes(video.status)) return;
    settled = true;
    if (video.status === "failed") {
      jobText.textContent = `failed: ${video.error ?? "unknown"}`;
      return toast(`Transcode failed: ${video.error ?? "unknown"}`, "error");
    }
    const renditions = (video.renditions ?? []).map((r) => `${r.height}p`).join(", ");
    jobText.textContent = `ready: ${renditions}`;
    // A title takes several trailers: the button comes back for the next one once it is listed.
    if (video.kind === "trailer") waitForTrailer(doc, video.video_id, trailers).then(() => (start.disabled = false));
    else waitForReady(doc, status, lifecycle);
  };

  const followJob = (videoId, as) => {
    video = { status: "queued", progress: 0, video_id: videoId, kind: as };
    show();
    live = followEvents(`/videos/${videoId}/events`, {
      onEvent: (event, data) => {
        if (event === "state") video = { ...data, video_id: videoId, kind: as };
        else if (["progress", "status", "renditions"].includes(event)) video = { ...video, ...data };
        else return;
        show();
      },
      isDone: (_, data) => ["ready", "failed"].includes(data?.status),
      // Streaming does not work here (a proxy that refuses it, an old server): poll instead.
      onFallback: () => pollJob(videoId),
    });
  };

  const pollJob = (videoId) => {
    polling = setInterval(async () => {
      try {
        video = { ...(await api(`/videos/${videoId}`)), kind: as };
        show();
        if (settled) clearInterval(polling);
      } catch (error) {
        jobText.textContent = error.message;
      }
    }, 1000);
  };

  return h(
    "section.panel",
    { "aria-labelledby": "upload-heading" },
    h("h2#upload-heading", null, "Video"),
    doc.video_id ? h("p.muted", null, `Current video: ${doc.video_id}`) : null,
    trailers,
    h("div.field", null, h("label", { htmlFor: "upload-file" }, "Video file"), input),
    h("div.field", null, h("label", { htmlFor: "upload-kind" }, "Upload as"), kind),
    start,
    h("div.progress-row", null, h("span", null, "Upload"), bar, barText),
    h("div.progress-row", null, h("span", null, "Transcode"), job, jobText),
  );
}

/** The catalog hears "video ready" through the event log; follow the title until it is ready. */
async function waitForReady(doc, status, lifecycle) {
  for (let i = 0; i < 60; i++) {
    const fresh = await api(`/titles/${doc.id}`);
    if (fresh.status !== doc.status || fresh.status === "ready") {
      status.textContent = fresh.status;
      status.dataset.status = fresh.status;
      lifecycle.replaceChildren(...lifecycleButtons(fresh, status).filter(Boolean));
      if (fresh.status === "ready") return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function trailerText(ids) {
  return ids?.length ? `Trailers: ${ids.join(", ")}` : "No trailers yet";
}

/** The catalog lists a trailer once it hears the video is playable (through the event log). */
async function waitForTrailer(doc, videoId, list) {
  for (let i = 0; i < 60; i++) {
    const fresh = await api(`/titles/${doc.id}`);
    list.textContent = trailerText(fresh.trailers);
    if (fresh.trailers?.includes(videoId)) return toast("Trailer added");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * An image of a title that is not published yet is served to its editors only, so an `<img>`
 * (which sends no Authorization header) gets a 404: fetch it with the bearer token instead and
 * show the bytes as a blob URL (revoked once the image has loaded).
 */
async function editorImage(url) {
  const send = () => fetch(url, { headers: { Authorization: `Bearer ${bearer()}` } });
  let response = await send();
  if (response.status === 401 && (await refresh())) response = await send();
  if (!response.ok) return null;
  return URL.createObjectURL(await response.blob());
}

function imagePanel(doc) {
  const current = doc.images?.backdrop?.url;
  const preview = h("img.image-preview", { alt: "Current backdrop", hidden: true });
  if (current) {
    editorImage(current).then((src) => {
      if (!src) return;
      preview.addEventListener("load", () => URL.revokeObjectURL(src), { once: true });
      preview.src = src;
      preview.hidden = false;
    });
  }
  const input = h("input#image-file", { type: "file", accept: "image/jpeg,image/png,image/webp,image/avif" });
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    try {
      await api(`/titles/${doc.id}/images/backdrop`, { method: "PUT", body: file, headers: { "Content-Type": file.type } });
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
      toast("Backdrop saved");
    } catch (error) {
      toast(error.message, "error");
    }
  });
  return h(
    "section.panel",
    { "aria-labelledby": "image-heading" },
    h("h2#image-heading", null, "Backdrop image (16:9)"),
    preview,
    h("div.field", null, h("label", { htmlFor: "image-file" }, "Image file (JPEG, PNG, WebP or AVIF)"), input),
  );
}

function metadataPanel(doc) {
  return h(
    "section.panel",
    { "aria-labelledby": "meta-heading" },
    h("h2#meta-heading", null, "Metadata"),
    form(
      { "aria-label": "Metadata", class: "grid-form" },
      [
        field("Title", { name: "title", value: doc.title, required: true }),
        field("Maturity rating", { name: "maturity_rating", type: "select", value: doc.maturity_rating ?? "", options: RATINGS.map((r) => [r, r || "Unrated"]) }),
        field("Release year", { name: "release_year", type: "number", value: doc.release_year ?? "" }),
        field("Genres (comma separated)", { name: "genres", value: (doc.genres ?? []).join(", ") }),
        field("Description", { name: "description", type: "textarea", rows: 4, value: doc.description ?? "" }),
        h("button.primary", { type: "submit" }, "Save"),
      ],
      async (values) => {
        await api(`/titles/${doc.id}`, { method: "PATCH", body: metadata(values, false) });
        toast("Saved");
      },
    ),
  );
}

const codes = (text) =>
  (text ?? "")
    .split(/[\s,]+/)
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);

/**
 * Where and when: worldwide (a window with country "*", less the excepted countries) by default,
 * or a list of countries. A title without windows is seen by no one, and the catalog refuses to
 * publish it (409 no-availability).
 */
function availabilityPanel(doc) {
  const current = doc.availability ?? [];
  const worldwide = current.find((w) => w.country === "*");
  const listed = [...new Set(current.filter((w) => w.country !== "*").map((w) => w.country))].join(", ");
  const first = worldwide ?? current[0];
  const local = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16) : "");
  const scope = current.length && !worldwide ? "countries" : "worldwide";
  const summary = !current.length
    ? "No windows: nobody can watch it yet."
    : worldwide
      ? `Worldwide${worldwide.except_countries?.length ? ` except ${worldwide.except_countries.join(", ")}` : ""}`
      : `In ${listed}`;
  const countriesField = field("Countries (ISO codes, comma separated)", { name: "countries", value: listed });
  const exceptField = field("Except countries (ISO codes, optional)", {
    name: "except_countries",
    value: (worldwide?.except_countries ?? []).join(", "),
  });
  const showScope = (value) => {
    countriesField.hidden = value !== "countries";
    exceptField.hidden = value !== "worldwide";
  };
  const scopeField = field("Where", {
    name: "scope",
    type: "select",
    value: scope,
    options: [["worldwide", "Worldwide"], ["countries", "Only these countries"]],
  });
  scopeField.querySelector("select").addEventListener("change", (event) => showScope(event.target.value));
  showScope(scope);
  const status = h("p.muted.availability-summary", { "aria-live": "polite" }, summary);
  return h(
    "section.panel",
    { "aria-labelledby": "avail-heading" },
    h("h2#avail-heading", null, "Availability"),
    status,
    form(
      { "aria-label": "Availability", class: "grid-form" },
      [
        scopeField,
        countriesField,
        exceptField,
        field("From (UTC)", { name: "starts_at", type: "datetime-local", value: local(first?.starts_at) || local(new Date().toISOString()), required: true }),
        field("Until (UTC, empty: open-ended)", { name: "ends_at", type: "datetime-local", value: local(first?.ends_at) }),
        h("button.primary", { type: "submit" }, "Save windows"),
      ],
      async (values) => {
        const starts = new Date(`${values.starts_at}Z`).toISOString();
        const ends = values.ends_at ? new Date(`${values.ends_at}Z`).toISOString() : null;
        const windows =
          values.scope === "countries"
            ? codes(values.countries).map((country) => ({ country, starts_at: starts, ends_at: ends }))
            : [{ country: "*", starts_at: starts, ends_at: ends, except_countries: codes(values.except_countries) }];
        if (!windows.length) return toast("Name at least one country, or choose Worldwide", "error");
        const saved = await api(`/titles/${doc.id}/availability`, { method: "PUT", body: windows });
        const wide = saved.availability?.find((w) => w.country === "*");
        status.textContent = wide
          ? `Worldwide${wide.except_countries?.length ? ` except ${wide.except_countries.join(", ")}` : ""}`
          : `In ${saved.availability.map((w) => w.country).join(", ")}`;
        toast("Availability saved");
      },
    ),
  );
}
