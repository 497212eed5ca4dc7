// Billing pages: plan choice (/plans), checkout (/checkout?plan=), and the account's billing page
// (/billing: plan, next billing date, payment method, invoices with PDF links, change plan, cancel /
// resume, redeem a code or gift card). Billing's API: docs/billing.md.
import { ApiError, api, bearer, refresh } from "../api.js";
import { field, form, h, render, toast } from "../dom.js";
import { navigate } from "../router.js";
import { loadMe } from "../session.js";
import { confirmWithBank } from "./bank_confirmation.js";

const EURO_AREA = new Set("AT BE HR CY EE FI FR DE GR IE IT LV LT LU MT NL PT SK SI ES".split(" "));
// The sandbox takes only Stripe's published test numbers (docs/billing.md).
const TEST_CARDS = [
  ["4242 4242 4242 4242", "pays"],
  ["4000 0000 0000 0002", "declined at checkout"],
  ["4000 0000 0000 9995", "declined: insufficient funds"],
  ["4000 0000 0000 0341", "accepted, then every renewal is declined"],
  ["4000 0025 0000 3155", "asks you to confirm with your bank (3-D Secure)"],
];

export function currencyOf(country) {
  const code = (country ?? "").toUpperCase();
  return code === "GB" ? "GBP" : EURO_AREA.has(code) ? "EUR" : "USD";
}

export function money(amount, currency) {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount / 100);
}

const day = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" }) : "—");

/** The account's subscription, or null when it never checked out. */
async function currentSubscription() {
  try {
    return (await api("/billing/subscription")).subscription;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

function planCard(plan, currency, action) {
  const { max_height: height, concurrent_streams: streams, downloads } = plan.entitlements;
  return h(
    "li.plan-card",
    { dataset: { plan: plan.id } },
    h("h2", null, plan.name),
    h("p.plan-price", null, `${money(plan.prices[currency], currency)} / month`),
    h("ul.plan-facts", null, h("li", null, `Up to ${height}p`), h("li", null, `${streams} screen${streams > 1 ? "s" : ""} at once`), h("li", null, downloads ? `${downloads} downloads` : "No downloads")),
    action,
  );
}

export async function plansView() {
  const [me, plans, current] = await Promise.all([loadMe(), api("/plans", { auth: false }), currentSubscription()]);
  const currency = currentSubscriptionCurrency(current, me);
  const live = current && !["canceled", "pending"].includes(current.billing_status);
  render(
    h(
      "section.billing",
      null,
      h("h1", null, live ? "Change plan" : "Choose a plan"),
      h("p.muted", null, `Prices in ${currency}, monthly, before tax. Cancel at any time.`),
      h(
        "ul.plan-list",
        { role: "list" },
        plans.map((plan) =>
          planCard(
            plan,
            currency,
            live
              ? plan.id === current.tier
                ? h("p.badge", null, "Your plan")
                : h("button.secondary", { type: "button", onclick: () => changePlan(plan) }, `Switch to ${plan.name}`)
              : h("a.button.primary", { href: `/checkout?plan=${plan.id}`, "aria-label": `Choose ${plan.name}` }, `Choose ${plan.name}`),
          ),
        ),
      ),
      h("p", null, h("a", { href: live ? "/billing" : "/profiles" }, live ? "Back to billing" : "Choose later")),
    ),
  );
}

function currentSubscriptionCurrency(current, me) {
  return current?.currency ?? currencyOf(me.personal_info?.country);
}

async function changePlan(plan) {
  const answer = await api("/billing/subscription", { method: "PATCH", body: { plan: plan.id } }).catch((error) => {
    toast(error.message, "error");
    return null;
  });
  if (!answer) return;
  const { subscription } = answer;
  toast(subscription.scheduled_plan ? `${plan.name} from ${day(subscription.end_date)}` : `You are on ${plan.name} now`);
  navigate("/billing");
}

export async function checkoutView(_, query) {
  const [me, plans] = await Promise.all([loadMe(), api("/plans", { auth: false })]);
  const plan = plans.find((p) => p.id === query.get("plan"));
  if (!plan) return navigate("/plans", { replace: true });
  const currency = currencyOf(me.personal_info?.country);
  // One key per attempt shown: a double click or a retry after a network error charges once.
  let key = crypto.randomUUID(); // a new one once the bank refused: that checkout is over
  const method = field("Pay with", { name: "method", type: "select", options: [["card", "Card"], ["gift_card", "Gift card"]], value: "card" });
  const card = h(
    "fieldset.card-fields",
    null,
    h("legend", null, "Card"),
    field("Card number", { name: "number", inputMode: "numeric", autocomplete: "cc-number", maxLength: 23, placeholder: "4242 4242 4242 4242" }),
    field("Expiry month", { name: "exp_month", type: "number", min: 1, max: 12, autocomplete: "cc-exp-month", value: "12" }),
    field("Expiry year", { name: "exp_year", type: "number", min: 2024, max: 2100, autocomplete: "cc-exp-year", value: String(new Date().getFullYear() + 3) }),
    field("CVC", { name: "cvc", inputMode: "numeric", maxLength: 4, autocomplete: "cc-csc", value: "123" }),
  );
  const gift = h("fieldset.gift-fields", { hidden: true }, h("legend", null, "Gift card"), field("Gift card code", { name: "gift_code", maxLength: 40 }));
  method.input.addEventListener("change", () => {
    card.hidden = method.input.value !== "card";
    gift.hidden = !card.hidden;
  });
  const testMode = h(
    "aside.test-mode",
    { "aria-label": "Test cards" },
    h("p", null, h("strong", null, "Test mode"), ": no money moves. Use one of these test cards (any future expiry, any CVC):"),
    h("ul", null, TEST_CARDS.map(([number, what]) => h("li", null, h("code", null, number), ` ${what}`))),
  );
  render(
    h(
      "section.billing.checkout",
      null,
      h("h1", null, `Subscribe to ${plan.name}`),
      h("p.plan-price", null, `${money(plan.prices[currency], currency)} / month before tax`),
      testMode,
      form(
        { "aria-label": "Payment" },
        [method, card, gift, field("Promotion code (optional)", { name: "promotion_code", maxLength: 64 }), h("button.primary", { type: "submit" }, "Subscribe")],
        async (values) => {
          const payment_method =
            values.method === "gift_card"
              ? { type: "gift_card", code: values.gift_code }
              : { type: "credit_card", number: values.number.replace(/\s+/g, ""), exp_month: Number(values.exp_month), exp_year: Number(values.exp_year), cvc: values.cvc };
          const body = { plan: plan.id, payment_method, promotion_code: values.promotion_code || null };
          const subscription = await api("/billing/checkout", { method: "POST", body, headers: { "Idempotency-Key": key } })
            .then((answer) => answer.subscription)
            .catch((error) => {
              if (error.code !== "authentication-required") throw error;
              return confirmWithBank(document.querySelector("section.checkout"), error.problem).catch((refused) => {
                key = crypto.randomUUID();
                throw refused;
              });
            });
          toast(subscription.billing_status === "trialing" ? `${plan.name}: free until ${day(subscription.trial_end)}` : `Welcome to ${plan.name}`);
          navigate("/profiles");
        },
      ),
    ),
  );
}

export async function billingView() {
  const [subscription, invoices, creditNotes] = await Promise.all([
    currentSubscription(),
    api("/billing/invoices").catch(() => []),
    api("/billing/credit-notes").catch(() => []),
  ]);
  if (!subscription) return navigate("/plans", { replace: true });
  const s = subscription;
  const pm = s.payment_method;
  const facts = [
    ["Plan", `${s.tier[0].toUpperCase()}${s.tier.slice(1)}${s.scheduled_plan ? ` (${s.scheduled_plan} from ${day(s.end_date)})` : ""}`],
    ["Status", statusText(s)],
    ["Next billing date", s.next_billing_date ? day(s.next_billing_date) : "—"],
    ["Payment method", pm ? (pm.type === "gift_card" ? "Gift card" : `${pm.brand ?? "Card"} ending ${pm.last_four} (${pm.expiry})`) : "—"],
  ];
  const command = (path, done) =>
    h("button.secondary", {
      type: "button",
      onclick: async () => {
        try {
          await api(`/billing/subscription/${path}`, { method: "POST" });
          toast(done);
          billingView();
        } catch (error) {
          toast(error.message, "error");
        }
      },
    }, path[0].toUpperCase() + path.slice(1));
  const actions = [];
  if (["trialing", "active"].includes(s.billing_status)) actions.push(h("a.button.secondary", { href: "/plans" }, "Change plan"));
  if (s.cancel_at_period_end || s.billing_status === "paused") actions.push(command("resume", "Resumed"));
  else if (["trialing", "active", "past_due", "suspended"].includes(s.billing_status)) actions.push(command("cancel", "Canceled"));
  if (s.billing_status === "active" && !s.cancel_at_period_end) actions.push(command("pause", "Paused: your paid days wait for you"));
  if (s.billing_status === "canceled") actions.push(h("a.button.primary", { href: "/plans" }, "Subscribe again"));
  render(
    h(
      "section.billing",
      null,
      h("h1", null, "Billing"),
      s.test_mode ? h("p.badge.test-mode", null, "Test mode") : null,
      h("dl.facts", null, facts.map(([term, value]) => [h("dt", null, term), h("dd", { dataset: { fact: term } }, value)])),
      h("div.actions", null, actions),
      paymentForm(),
      documentsPanel("Invoices", invoices, "No invoices yet."),
      creditNotes.length ? documentsPanel("Credit notes", creditNotes, "") : null,
    ),
  );
}

function statusText(s) {
  if (s.billing_status === "trialing") return `Free trial until ${day(s.trial_end)}`;
  if (s.cancel_at_period_end) return `Ends ${day(s.end_date)}`;
  return { active: "Active", past_due: "Payment due: we will retry", paused: "Paused", suspended: "Suspended: update your payment method", canceled: "Canceled", pending: "Not paid" }[s.billing_status] ?? s.billing_status;
}

/** Replace the card, or redeem a gift card (an unpaid subscription is charged on it at once). */
function paymentForm() {
  const key = crypto.randomUUID();
  return h(
    "section.panel",
    { "aria-labelledby": "payment-heading" },
    h("h2#payment-heading", null, "Payment method"),
    form(
      { "aria-label": "Update payment method", class: "grid-form" },
      [
        field("Card number or gift card code", { name: "value", required: true, maxLength: 40, placeholder: "4242 4242 4242 4242 or XXXX-XXXX-XXXX-XXXX" }),
        field("Expiry (MM/YY, cards)", { name: "expiry", maxLength: 5, placeholder: "12/30", pattern: "[0-9]{2}/[0-9]{2}" }),
        field("CVC (cards)", { name: "cvc", inputMode: "numeric", maxLength: 4 }),
        h("button.secondary", { type: "submit" }, "Save"),
      ],
      async (values) => {
        const digits = values.value.replace(/[\s-]/g, "");
        const isCard = /^[0-9]{12,19}$/.test(digits);
        const [mm, yy] = (values.expiry || "12/30").split("/");
        const body = isCard
          ? { type: "credit_card", number: digits, exp_month: Number(mm), exp_year: 2000 + Number(yy), cvc: values.cvc }
          : { type: "gift_card", code: values.value.trim() };
        await api("/billing/payment-method", { method: "PUT", body, headers: { "Idempotency-Key": key } });
        toast("Payment method saved");
        billingView();
      },
    ),
  );
}

/** Invoices, or credit notes (what refunds gave back; negative totals, each naming its invoice). */
function documentsPanel(heading, documents, empty) {
  const id = `${heading.toLowerCase().replace(" ", "-")}-heading`;
  return h(
    "section.panel",
    { "aria-labelledby": id },
    h(`h2#${id}`, null, heading),
    documents.length
      ? h(
          `table.${heading.toLowerCase().replace(" ", "-")}`,
          null,
          h("thead", null, h("tr", null, ["Number", "Date", "Total", ""].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            null,
            [...documents].reverse().map((invoice) =>
              h(
                "tr",
                { dataset: { invoice: invoice.number } },
                h("td", null, invoice.invoice_number ? `${invoice.number} (for ${invoice.invoice_number})` : invoice.number),
                h("td", null, day(invoice.issued_at)),
                h("td", null, money(invoice.total, invoice.currency)),
                h("td", null, h("a", { href: invoice.pdf_url, onclick: (event) => download(event, invoice) }, "PDF")),
              ),
            ),
          ),
        )
      : h("p.muted", null, empty),
  );
}

/** The PDF route takes the bearer token (never a cookie), so the file is fetched and saved here. */
async function download(event, invoice) {
  event.preventDefault();
  const get = () => fetch(invoice.pdf_url, { headers: { Authorization: `Bearer ${bearer()}` } });
  let response = await get();
  if (response.status === 401 && (await refresh())) response = await get();
  if (!response.ok) return toast(`${invoice.number} could not be downloaded (${response.status})`, "error");
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: `${invoice.number}.pdf`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
