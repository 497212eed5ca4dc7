// Admin and content providers: every title in any lifecycle status (drafts included), from the
// catalog's editor listing (`GET /api/v1/admin/titles`: the write model, so a title just created
// is listed at once; a content provider sees only its own). Filter by status, search the title
// or external id as you type, page with "Show more"; each row links to the edit page.
import { h, render } from "../dom.js";
import { editorTitles, isAbort, latestOnly } from "../catalog.js";
import { onLeave } from "../router.js";

const STATUSES = ["draft", "processing", "ready", "published", "unpublished", "expired", "archived"];

export async function adminTitlesView(_, query) {
  const listing = titleListing(query, { path: "/admin/titles" });
  render(h("section.admin", null, h("p", null, h("a", { href: "/admin" }, "← Catalog")), h("h1", null, "Titles"), listing.node));
  await listing.load();
}

/**
 * The editors' listing with its filters, table and "Show more" (`path` keeps the filters in the
 * address). The admin Catalog page (`/admin`) shows the same list under its "New title" form.
 */
export function titleListing(query, { path }) {
  const statusSelect = h(
    "select#titles-status",
    { name: "status" },
    h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  statusSelect.value = STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const searchBox = h("input#titles-q", {
    type: "search",
    name: "q",
    placeholder: "Part of a title or external id",
    maxLength: 200,
    value: query.get("q") ?? "",
  });
  const status = h("p.muted", { role: "status" });
  const body = h("tbody");
  const more = h("button.secondary.load-more", { type: "button", hidden: true }, "Show more");
  const node = h(
    "div.title-listing",
    null,
    h(
      "form.grid-form",
      { role: "search", "aria-label": "Filter titles", onsubmit: (event) => event.preventDefault() },
      h("div.field", null, h("label", { htmlFor: "titles-status" }, "Status"), statusSelect),
      h("div.field", null, h("label", { htmlFor: "titles-q" }, "Title or external id"), searchBox),
    ),
    status,
    h(
      "table.table.admin-titles",
      null,
      h("caption.visually-hidden", null, "Titles in every status"),
      h("thead", null, h("tr", null, ["Title", "Status", "Type", "Rating", "Updated"].map((c) => h("th", { scope: "col" }, c)))),
      body,
    ),
    h("p", null, more),
  );

  let cursor = null;
  let shown = 0;
  let filters = {};
  const load = latestOnly(async ({ append = false } = {}, signal) => {
    if (!append) {
      // "Show more" continues the list on screen, with the filters it was made with.
      filters = { status: statusSelect.value, q: searchBox.value.trim() };
      cursor = null;
      shown = 0;
      // The address keeps the filters, so reload and Back come back to the same list.
      const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
      history.replaceState(null, "", `${path}${params.size ? `?${params}` : ""}`);
    }
    status.textContent = "Loading…";
    let page;
    try {
      page = await editorTitles({ ...filters, cursor, signal });
    } catch (error) {
      if (isAbort(error, signal)) return;
      status.textContent = error.message;
      return;
    }
    if (signal.aborted) return; // a newer filter owns the table now
    if (!append) body.replaceChildren();
    body.append(...page.items.map(rowOf));
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    status.textContent = shown ? `${shown} title${shown === 1 ? "" : "s"}${cursor ? " so far" : ""}` : "No titles match.";
  });
  onLeave(() => load.cancel());
  searchBox.addEventListener("input", () => load({}));
  statusSelect.addEventListener("change", () => load({}, { now: true }));
  more.addEventListener("click", () => load({ append: true }, { now: true }));
  return { node, load: () => load({}, { now: true }) };
}

function rowOf(t) {
  return h(
    "tr",
    { dataset: { titleId: t.id } },
    h("td", null, h("a", { href: `/admin/title/${t.id}` }, t.title || "(untitled)")),
    h("td", null, h("span.status", { dataset: { status: t.status } }, t.status)),
    h("td", null, t.type),
    h("td", null, t.maturity_rating ?? "—"),
    h("td", null, t.updated_at ? new Date(t.updated_at).toLocaleString() : ""),
  );
}
