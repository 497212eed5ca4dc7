// Admin only: the analytics dashboard. Quality of experience (Mux's definitions) over a period,
// filtered by title and country; the business figures; one title's engagement and retention.
// Reads GET /api/v1/analytics/{qoe,business,titles/:id}; every table has a CSV download.
import { api } from "../api.js";
import { field, form, h, render, toast } from "../dom.js";
import { money } from "./billing.js";

const PERCENT = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(2)} %`);
const NUMBER = (v) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en"));
const QOE_ROWS = [
  ["Plays", "plays", NUMBER],
  ["Unique viewers", "unique_viewers", NUMBER],
  ["Video startup time, p50 (ms)", "startup_time_p50_ms", NUMBER],
  ["Video startup time, p90 (ms)", "startup_time_p90_ms", NUMBER],
  ["Rebuffering ratio", "rebuffering_ratio", PERCENT],
  ["Views that rebuffered", "rebuffer_frequency", PERCENT],
  ["Exits before video start", "exits_before_video_start", PERCENT],
  ["Playback failure rate", "playback_failure_rate", PERCENT],
  ["Average bitrate (kbps)", "average_bitrate_kbps", NUMBER],
  ["Watch time (s)", "watch_time_seconds", NUMBER],
  ["Concurrent viewers", "concurrent_viewers", NUMBER],
];

function csvLink(name, rows) {
  const text = rows.map((row) => row.map((cell) => `"${String(cell ?? "").replaceAll('"', '""')}"`).join(",")).join("\n");
  return h("a.csv", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: `${name}.csv` }, "CSV");
}

function table(name, caption, rows) {
  return h(
    "div.analytics-table",
    { dataset: { table: name } },
    h("table.table", null, h("caption", null, caption, " ", csvLink(name, [["figure", "value"], ...rows])),
      h("tbody", null, rows.map(([label, value]) => h("tr", null, h("th", { scope: "row" }, label), h("td", null, value))))),
  );
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export async function adminAnalyticsView(_, query) {
  const today = new Date();
  const from = query.get("from") ?? isoDay(new Date(today.getTime() - 7 * 86_400_000));
  const to = query.get("to") ?? isoDay(new Date(today.getTime() + 86_400_000));
  const filters = { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z`, title_id: query.get("title_id"), country: query.get("country") };
  const results = h("div.analytics-results", { "aria-live": "polite" });
  render(
    h(
      "section.admin.analytics",
      null,
      h("p", null, h("a", { href: "/admin" }, "← Catalog")),
      h("h1", null, "Analytics"),
      form(
        { "aria-label": "Period and filters", class: "grid-form", method: "get" },
        [
          field("From", { name: "from", type: "date", value: from, required: true }),
          field("To", { name: "to", type: "date", value: to, required: true }),
          field("Title or content id", { name: "title_id", value: filters.title_id ?? "", maxLength: 64 }),
          field("Country", { name: "country", value: filters.country ?? "", maxLength: 2, pattern: "[A-Za-z]{2}" }),
          h("button.primary", { type: "submit" }, "Show"),
        ],
        async (values) => {
          const params = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
          history.pushState(null, "", `/admin/analytics?${params}`);
          await adminAnalyticsView(_, params);
        },
      ),
      results,
    ),
  );
  const period = { from: filters.from, to: filters.to };
  try {
    const [qoe, business, title] = await Promise.all([
      api("/analytics/qoe", { query: { ...period, title_id: filters.title_id, country: filters.country?.toUpperCase() } }),
      api("/analytics/business", { query: period }),
      filters.title_id ? api(`/analytics/titles/${encodeURIComponent(filters.title_id)}`, { query: period }) : null,
    ]);
    results.replaceChildren(
      table("qoe", "Quality of experience", QOE_ROWS.map(([label, key, show]) => [label, show(qoe[key])])),
      table("business", "Business", [
        ["Sign-ups", NUMBER(business.sign_ups)],
        ["Trials started", NUMBER(business.trials_started)],
        ["Trials converted to paid", NUMBER(business.trial_conversions)],
        ...Object.entries(business.mrr).map(([currency, amount]) => [`MRR (${currency}, before tax)`, money(amount, currency)]),
        ...Object.entries(business.revenue).flatMap(([currency, r]) => [
          [`Revenue invoiced (${currency}, before tax)`, money(r.invoiced, currency)],
          [`Refunded (${currency})`, money(r.refunded, currency)],
          [`Net revenue (${currency})`, money(r.net, currency)],
        ]),
        ...Object.entries(business.active_subscriptions).map(([tier, n]) => [`Active subscriptions, ${tier}`, NUMBER(n)]),
        ["Active at the start", NUMBER(business.active_at_start)],
        ["Churned", NUMBER(business.churned)],
        ["Churn rate", PERCENT(business.churn_rate)],
      ]),
      ...(title ? titleTables(title) : []),
    );
  } catch (error) {
    toast(error.message, "error");
  }
}

function titleTables(report) {
  const e = report.engagement;
  return [
    table("engagement", `Engagement of ${report.title_id}`, [
      ["Plays", NUMBER(e.plays)],
      ["Unique viewers", NUMBER(e.unique_viewers)],
      ["Watch time (s)", NUMBER(e.watch_time_seconds)],
      ["Completions", NUMBER(e.completions)],
      ["Completion rate", PERCENT(e.completion_rate)],
    ]),
    table("retention", "Retention: share of views still watching", report.retention.map((p) => [`${p.second} s`, PERCENT(p.share)])),
  ];
}
