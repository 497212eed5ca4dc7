// Admin only: the accounts list (`GET /api/v1/admin/users`: search by email or username, filter by
// status, newest first, "Show more" on the keyset cursor), one account's details (`GET
// /admin/users/{id}`) and suspend / reactivate (`PUT /admin/users/{id}/status`; suspending ends the
// account's sessions at once).
import { api } from "../api.js";
import { h, render, toast } from "../dom.js";
import { isAbort, latestOnly } from "../catalog.js";
import { onLeave } from "../router.js";

const STATUSES = [["", "Any status"], ["active", "Active"], ["suspended", "Suspended"], ["pending_verification", "Unverified"]];

export async function adminUsersView(_, query) {
  const statusSelect = h("select#users-status", { name: "status" }, STATUSES.map(([v, t]) => h("option", { value: v }, t)));
  statusSelect.value = STATUSES.some(([v]) => v === query.get("status")) ? query.get("status") : "";
  const searchBox = h("input#users-q", { type: "search", name: "q", placeholder: "Part of an email or username", maxLength: 320, value: query.get("q") ?? "" });
  const status = h("p.muted", { role: "status" });
  const body = h("tbody");
  const more = h("button.secondary.load-more", { type: "button", hidden: true }, "Show more");
  const detail = h("section.panel.user-detail", { "aria-live": "polite", hidden: true });
  render(
    h(
      "section.admin",
      null,
      h("p", null, h("a", { href: "/admin" }, "← Catalog")),
      h("h1", null, "Users"),
      h(
        "form.grid-form",
        { role: "search", "aria-label": "Find users", onsubmit: (event) => event.preventDefault() },
        h("div.field", null, h("label", { htmlFor: "users-q" }, "Email or username"), searchBox),
        h("div.field", null, h("label", { htmlFor: "users-status" }, "Status"), statusSelect),
      ),
      status,
      detail,
      h(
        "table.table.admin-users",
        null,
        h("caption.visually-hidden", null, "Accounts"),
        h("thead", null, h("tr", null, ["Email", "Username", "Status", "Roles", "Joined", "Last sign-in"].map((c) => h("th", { scope: "col" }, c)))),
        body,
      ),
      h("p", null, more),
    ),
  );

  const show = async (userId) => {
    let account;
    try {
      account = await api(`/admin/users/${userId}`);
    } catch (error) {
      return toast(error.message, "error");
    }
    const info = account.personal_info ?? {};
    const meta = account.account_metadata ?? {};
    const state = meta.account_status ?? "active";
    const suspended = state === "suspended";
    const toggle = h(
      suspended ? "button.secondary" : "button.danger",
      {
        type: "button",
        onclick: async () => {
          try {
            await api(`/admin/users/${userId}/status`, { method: "PUT", body: { status: suspended ? "active" : "suspended" } });
            toast(suspended ? "Account reactivated" : "Account suspended; its sessions have ended");
            await show(userId);
            load({}, { now: true });
          } catch (error) {
            toast(error.message, "error");
          }
        },
      },
      suspended ? "Reactivate" : "Suspend",
    );
    detail.hidden = false;
    detail.dataset.userId = userId;
    detail.replaceChildren(
      h("h2", null, account.email ?? userId),
      h(
        "dl.facts",
        null,
        fact("Username", account.username),
        fact("Status", h("span.status", { dataset: { status: state } }, state)),
        fact("Roles", (account.roles ?? []).join(", ") || "viewer"),
        fact("Country", info.country),
        fact("Email verified", meta.email_verified ? "yes" : "no"),
        fact("Plan", account.subscription ? `${account.subscription.tier} (${account.subscription.status})` : "—"),
        fact("Profiles", (account.profiles ?? []).map((p) => p.name).join(", ") || "—"),
        fact("Devices", String((account.devices ?? []).length)),
      ),
      h("div.actions", null, toggle),
    );
  };

  let cursor = null;
  let shown = 0;
  let filters = {};
  const load = latestOnly(async ({ append = false } = {}, signal) => {
    if (!append) {
      filters = { q: searchBox.value.trim(), status: statusSelect.value };
      cursor = null;
      shown = 0;
      const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
      history.replaceState(null, "", `/admin/users${params.size ? `?${params}` : ""}`);
    }
    status.textContent = "Loading…";
    let page;
    try {
      page = await api("/admin/users", { query: { q: filters.q || null, status: filters.status || null, cursor, limit: 50 }, signal });
    } catch (error) {
      if (isAbort(error, signal)) return;
      status.textContent = error.message;
      return;
    }
    if (signal.aborted) return;
    if (!append) body.replaceChildren();
    body.append(...page.items.map((user) => rowOf(user, show)));
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    status.textContent = shown ? `${shown} account${shown === 1 ? "" : "s"}${cursor ? " so far" : ""}` : "No accounts match.";
  });
  onLeave(() => load.cancel());
  searchBox.addEventListener("input", () => load({}));
  statusSelect.addEventListener("change", () => load({}, { now: true }));
  more.addEventListener("click", () => load({ append: true }, { now: true }));
  await load({}, { now: true });
}

function fact(label, value) {
  return [h("dt", null, label), h("dd", null, value ?? "—")];
}

function rowOf(user, show) {
  const when = (iso) => (iso ? new Date(iso).toLocaleDateString() : "—");
  return h(
    "tr",
    { dataset: { userId: user.user_id } },
    h("td", null, h("button.link", { type: "button", onclick: () => show(user.user_id) }, user.email)),
    h("td", null, user.username),
    h("td", null, h("span.status", { dataset: { status: user.status } }, user.status)),
    h("td", null, user.roles.join(", ") || "viewer"),
    h("td", null, when(user.created_at)),
    h("td", null, when(user.last_login_at)),
  );
}
