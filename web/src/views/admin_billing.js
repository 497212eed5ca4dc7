// Admin only: billing's plans (read-only: they are configuration), coupons and their promotion
// codes, gift cards, and one account's subscription audit trail (its ledger) with the operator's
// actions on it (change plan, cancel, resume, pause), and its invoices with refunds.
import { api } from "../api.js";
import { field, form, h, render, toast } from "../dom.js";
import { money } from "./billing.js";

export async function adminBillingView(_, query) {
  const [plans, coupons] = await Promise.all([api("/plans", { auth: false }), api("/admin/billing/coupons")]);
  const trail = h("section.panel.audit-trail", { "aria-live": "polite" });
  render(
    h(
      "section.admin.billing-admin",
      null,
      h("p", null, h("a", { href: "/admin" }, "← Catalog")),
      h("h1", null, "Billing"),
      plansPanel(plans),
      couponsPanel(coupons),
      giftCardsPanel(),
      h(
        "section.panel",
        { "aria-labelledby": "trail-heading" },
        h("h2#trail-heading", null, "An account's subscription"),
        form(
          { "aria-label": "Find an account's subscription", class: "grid-form" },
          [field("User id", { name: "user_id", required: true, minLength: 36, maxLength: 36, value: query.get("user") ?? "" }), h("button.secondary", { type: "submit" }, "Show")],
          async ({ user_id }) => showAccount(trail, user_id.trim()),
        ),
        trail,
      ),
    ),
  );
  if (query.get("user")) await showAccount(trail, query.get("user"));
}

function plansPanel(plans) {
  return h(
    "section.panel",
    { "aria-labelledby": "plans-heading" },
    h("h2#plans-heading", null, "Plans"),
    h(
      "table",
      null,
      h("thead", null, h("tr", null, ["Plan", "USD", "EUR", "GBP", "Max height", "Streams", "Downloads"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        null,
        plans.map((p) =>
          h("tr", null, h("td", null, p.name), ["USD", "EUR", "GBP"].map((c) => h("td", null, money(p.prices[c], c))), h("td", null, `${p.entitlements.max_height}p`), h("td", null, String(p.entitlements.concurrent_streams)), h("td", null, String(p.entitlements.downloads))),
        ),
      ),
    ),
  );
}

function couponsPanel(coupons) {
  const rows = coupons.map(({ coupon: c, redemptions }) =>
    h(
      "tr",
      { dataset: { coupon: c.coupon_id } },
      h("td", null, c.coupon_id),
      h("td", null, c.name),
      h("td", null, c.percent_off ? `${c.percent_off} %` : money(c.amount_off, c.currency)),
      h("td", null, c.duration === "repeating" ? `${c.duration_months} months` : c.duration),
      h("td", null, `${redemptions}${c.max_redemptions ? ` / ${c.max_redemptions}` : ""}`),
      h("td", null, c.plans.length ? c.plans.join(", ") : "all"),
    ),
  );
  return h(
    "section.panel",
    { "aria-labelledby": "coupons-heading" },
    h("h2#coupons-heading", null, "Coupons"),
    h("table", null, h("thead", null, h("tr", null, ["Id", "Name", "Off", "Duration", "Redeemed", "Plans"].map((t) => h("th", { scope: "col" }, t)))), h("tbody", null, rows)),
    form(
      { "aria-label": "New coupon", class: "grid-form" },
      [
        field("Coupon id", { name: "coupon_id", required: true, maxLength: 64, pattern: "[A-Za-z0-9_-]+" }),
        field("Name", { name: "name", required: true, maxLength: 100 }),
        field("Percent off", { name: "percent_off", type: "number", min: 1, max: 100 }),
        field("Duration", { name: "duration", type: "select", options: [["once", "Once"], ["repeating", "Repeating"], ["forever", "Forever"]], value: "once" }),
        field("Months (repeating)", { name: "duration_months", type: "number", min: 1, max: 120 }),
        field("Max redemptions", { name: "max_redemptions", type: "number", min: 1 }),
        h("button.secondary", { type: "submit" }, "Create coupon"),
      ],
      async (v) => {
        const number = (value) => (value ? Number(value) : null);
        const body = { coupon_id: v.coupon_id, name: v.name, percent_off: number(v.percent_off), duration: v.duration, duration_months: number(v.duration_months), max_redemptions: number(v.max_redemptions) };
        await api("/admin/billing/coupons", { method: "POST", body });
        toast(`Coupon ${v.coupon_id} created`);
        adminBillingView({}, new URLSearchParams());
      },
    ),
    form(
      { "aria-label": "New promotion code", class: "grid-form" },
      [field("Code", { name: "code", required: true, maxLength: 64, pattern: "[A-Za-z0-9_-]{3,}" }), field("For coupon", { name: "coupon_id", type: "select", options: coupons.map(({ coupon }) => coupon.coupon_id) }), h("button.secondary", { type: "submit" }, "Add code")],
      async ({ code, coupon_id }) => {
        await api("/admin/billing/promotion-codes", { method: "POST", body: { code, coupon_id } });
        toast(`Code ${code.toUpperCase()} redeems ${coupon_id}`);
      },
    ),
  );
}

function giftCardsPanel() {
  const issued = h("p.issued", { role: "status" });
  return h(
    "section.panel",
    { "aria-labelledby": "gift-heading" },
    h("h2#gift-heading", null, "Gift cards"),
    form(
      { "aria-label": "Issue a gift card", class: "grid-form" },
      [field("Amount (minor units)", { name: "amount", type: "number", min: 1, required: true }), field("Currency", { name: "currency", type: "select", options: ["USD", "EUR", "GBP"], value: "USD" }), h("button.secondary", { type: "submit" }, "Issue")],
      async ({ amount, currency }) => {
        const card = await api("/admin/billing/gift-cards", { method: "POST", body: { amount: Number(amount), currency } });
        issued.textContent = `Code ${card.code} for ${money(card.balance, card.currency)}: shown once, copy it now.`;
      },
    ),
    issued,
  );
}

async function showAccount(panel, userId) {
  const base = `/admin/billing/accounts/${encodeURIComponent(userId)}`;
  const [subscription, ledger, invoices, notes] = await Promise.all([
    api(`${base}/subscription`).then((r) => r.subscription).catch(() => null),
    api(`${base}/ledger`).catch((error) => (toast(error.message, "error"), [])),
    api(`${base}/invoices`).catch(() => []),
    api(`${base}/credit-notes`).catch(() => []),
  ]);
  const act = (label, path, options) =>
    h("button.secondary", {
      type: "button",
      onclick: async () => {
        try {
          await api(`${base}/subscription${path}`, options);
          toast(`${label}: done`);
          await showAccount(panel, userId);
        } catch (error) {
          toast(error.message, "error");
        }
      },
    }, label);
  const planPicker = h("select", { "aria-label": "New plan" }, ["basic", "standard", "premium", "ultra"].map((p) => h("option", { value: p }, p)));
  panel.replaceChildren(
    subscription
      ? h(
          "div",
          null,
          h("p", null, `${subscription.tier} · ${subscription.billing_status}${subscription.cancel_at_period_end ? " (ends at period end)" : ""} · next billing ${subscription.next_billing_date ?? "—"}`),
          h("div.actions", null, planPicker, h("button.secondary", {
            type: "button",
            onclick: async () => {
              try {
                await api(`${base}/subscription`, { method: "PATCH", body: { plan: planPicker.value } });
                toast(`Plan: ${planPicker.value}`);
                await showAccount(panel, userId);
              } catch (error) {
                toast(error.message, "error");
              }
            },
          }, "Change plan"), act("Cancel", "/cancel", { method: "POST" }), act("Resume", "/resume", { method: "POST" }), act("Pause", "/pause", { method: "POST" })),
        )
      : h("p.muted", null, "No subscription for this account."),
    refundsPanel(invoices, notes, () => showAccount(panel, userId)),
    h(
      "table.ledger",
      null,
      h("thead", null, h("tr", null, ["#", "Entry", "Effective", "Recorded", "Caused by"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        null,
        ledger.map((e) => h("tr", { dataset: { kind: e.kind } }, h("td", null, String(e.version)), h("td", null, e.kind), h("td", null, e.effective_at), h("td", null, e.recorded_at), h("td", null, e.causation ?? "—"))),
      ),
    ),
  );
}

/** The account's invoices, what was refunded of each, and a refund form (one Idempotency-Key per
 * form: a double click or a retry gives money back once). */
function refundsPanel(invoices, notes, reload) {
  if (!invoices.length) return h("p.muted", null, "No invoices.");
  const refunded = (id) => notes.filter((n) => n.invoice_id === id).reduce((sum, n) => sum - n.total, 0);
  const key = crypto.randomUUID();
  return h(
    "div.refunds",
    null,
    h("h3", null, "Invoices and refunds"),
    h(
      "table.account-invoices",
      null,
      h("thead", null, h("tr", null, ["Number", "Issued", "Total", "Refunded"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, invoices.map((i) => h("tr", { dataset: { invoice: i.number } }, h("td", null, i.number), h("td", null, i.issued_at.slice(0, 10)), h("td", null, money(i.total, i.currency)), h("td", null, money(refunded(i.id), i.currency))))),
    ),
    form(
      { "aria-label": "Refund an invoice", class: "grid-form" },
      [
        field("Invoice", { name: "invoice", type: "select", options: invoices.map((i) => [i.id, i.number]) }),
        field("Amount (minor units, empty: all that is left)", { name: "amount", type: "number", min: 1 }),
        field("Reason (on the credit note)", { name: "reason", required: true, maxLength: 200 }),
        h("button.secondary", { type: "submit" }, "Refund"),
      ],
      async ({ invoice, amount, reason }) => {
        const body = { reason, ...(amount ? { amount: Number(amount) } : {}) };
        const note = await api(`/admin/billing/invoices/${invoice}/refunds`, { method: "POST", body, headers: { "Idempotency-Key": key } });
        toast(`Refunded ${money(-note.total, note.currency)}: credit note ${note.number}`);
        await reload();
      },
    ),
  );
}
